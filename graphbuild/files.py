"""The workspace's files: one scan of the tree, and package-relative glob matching on it."""

from __future__ import annotations

import bisect
import functools
import itertools
import os
import re
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

SKIP_DIRS = frozenset({".git", ".graphbuild"})


@attrs.frozen
class Entry:
    """What lstat says of one file or symlink, plus a symlink's target string."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    mode: int
    link: str | None = None

    @property
    def executable(self) -> bool:
        """The owner's execute bit: the permission git tracks and Docker copies."""
        return self.link is None and bool(self.mode & stat.S_IXUSR)


@attrs.frozen
class Tree:
    """Every file and symlink below the workspace (POSIX paths relative to it), sorted."""

    entries: Mapping[str, Entry]
    packages: frozenset[str]
    problems: Mapping[str, str] = attrs.field(factory=dict)  # path -> why it cannot be read

    @functools.cached_property
    def paths(self) -> tuple[str, ...]:
        """All paths, sorted."""
        return tuple(sorted(self.entries))

    @functools.cached_property
    def by_package(self) -> Mapping[str, tuple[str, ...]]:
        """The files each package owns: those whose nearest package folder it is."""
        owner_of_dir: dict[str, str] = {}
        owned: dict[str, list[str]] = {p: [] for p in self.packages}

        def owner(folder: str) -> str:
            if folder in owner_of_dir:
                return owner_of_dir[folder]
            if folder in self.packages or folder == "":
                result = folder
            else:
                result = owner(folder.rpartition("/")[0])
            owner_of_dir[folder] = result
            return result

        for path in self.paths:
            package = owner(path.rpartition("/")[0])
            if package in owned:
                owned[package].append(path)
        return {p: tuple(files) for p, files in owned.items()}


def scan_tree(
    root: Path, packages: Iterable[str], skipped: Iterable[str] = (), exclude: Iterable[str] = ()
) -> Tree:
    """lstat every file below `root`, skipping .git and .graphbuild folders, the `skipped`
    folders and every file or folder an `exclude` glob matches."""
    skip = frozenset(skipped)
    excluded = [glob_regex(p) for p in exclude]
    entries: dict[str, Entry] = {}
    problems: dict[str, str] = {}
    stack = [""]
    while stack:
        rel = stack.pop()
        try:
            scanner = os.scandir(root / rel if rel else root)
        except OSError as err:
            problems[rel] = err.strerror or str(err)
            continue
        with scanner:
            for item in scanner:
                path = f"{rel}/{item.name}" if rel else item.name
                if excluded and any(r.match(path) for r in excluded):
                    continue
                st = item.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    if item.name not in SKIP_DIRS and path not in skip:
                        stack.append(path)
                    continue
                link = os.readlink(item.path) if stat.S_ISLNK(st.st_mode) else None
                if link is None and not stat.S_ISREG(st.st_mode):
                    problems[path] = "not a regular file"
                    continue
                entries[path] = Entry(
                    st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode, link
                )
    return Tree(entries=entries, packages=frozenset(packages), problems=problems)


@functools.lru_cache(maxsize=4096)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a glob: `*`, `?`, `[…]` within one path segment, `**` across segments; a
    pattern naming a folder also matches everything below it."""
    segments = [s for s in pattern.strip("/").split("/") if s not in ("", ".")]
    out = ""
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "**":
            out += ".*" if last else "(?:[^/]+/)*"
            continue
        out += segment_regex(segment) + ("" if last else "/")
    return re.compile(out + "(?:/.*)?\\Z" if out else ".*\\Z")


def segment_regex(segment: str) -> str:
    """Translate one glob segment (no '/') to a regex fragment."""
    out, i = "", 0
    while i < len(segment):
        c = segment[i]
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[" and (end := class_end(segment, i)) > 0:
            body = segment[i + 1 : end]
            if body.startswith(("!", "^")):
                body = "^" + body[1:]
            out += "[" + body.replace("\\", "\\\\") + "]"
            i = end
        else:
            out += re.escape(c)
        i += 1
    return out


def class_end(segment: str, start: int) -> int:
    """The index of the `]` closing the character class opened at `start`, or -1."""
    j = start + 1
    if segment[j : j + 1] in ("!", "^"):
        j += 1
    if segment[j : j + 1] == "]":
        j += 1
    return segment.find("]", j)


def join(package: str, path: str) -> str:
    """The workspace-relative form of a package-relative path (a trailing '/' is kept)."""
    slash = "/" if path.endswith("/") else ""
    path = path.strip("/")
    if path in ("", "."):
        return package or "."
    return (f"{package}/{path}" if package else path) + slash


def match_inputs(tree: Tree, package: str, pattern: str) -> list[str]:
    """The files of `package` that an input pattern selects (package boundaries respected)."""
    regex = glob_regex(pattern)
    prefix = f"{package}/" if package else ""
    cut = len(prefix)
    return [p for p in tree.by_package.get(package, ()) if regex.match(p[cut:])]


def match_context(tree: Tree, package: str, source: str) -> list[str]:
    """The files Docker would send for a COPY source (any file below it, package or not)."""
    full = join(package, source)
    if full == ".":
        return list(tree.paths)
    regex = glob_regex(full)
    literal = []
    for segment in full.strip("/").split("/"):
        if any(c in segment for c in "*?["):
            break
        literal.append(segment)
    prefix = "/".join(literal)
    paths = tree.paths
    start = bisect.bisect_left(paths, prefix)
    found = []
    for path in itertools.islice(paths, start, None):
        if not path.startswith(prefix):
            break
        if regex.match(path):
            found.append(path)
    return found

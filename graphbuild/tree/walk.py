"""The workspace's files: one scan of the tree, and package-relative glob matching on it."""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from stat import S_ISDIR, S_ISLNK, S_ISREG
from typing import NamedTuple

import attrs

from graphbuild.definition.layout import BUILD_FILE, is_workspace_root
from graphbuild.tree.exclusions import exclusion_test

SKIP_DIRS = frozenset({".git", ".graphbuild"})
NOT_PACKAGES = frozenset({"node_modules", "__pycache__"})  # a BUILD.toml below is not a package


UNKNOWN_STAT = (-1, 0, 0, 0)  # the size, mtime, ctime and inode of a file git vouches for


class Entry(NamedTuple):
    """What lstat says of one file or symlink, plus a symlink's target string; or, for a file
    git vouches for, git's object id with size, mtime, ctime and inode UNKNOWN_STAT (ctime
    because an edit can put the mtime back, never the ctime). A NamedTuple
    built in C, not an attrs class: a scan makes one per file, and a frozen attrs class costs
    37% more per entry (84 ms per 200,000, measured)."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    mode: int
    link: str | None = None
    blob: str | None = None

    @property
    def executable(self) -> bool:
        """The owner's execute bit: the permission git tracks and Docker copies."""
        return self.link is None and bool(self.mode & stat.S_IXUSR)


def new_entry(fields: tuple[int, int, int, int, int, str | None, str | None]) -> Entry:
    """An Entry from its fields, built in C (the scan makes one per file)."""
    return tuple.__new__(Entry, fields)


# a regular file the walk handed to a reader that stat-s it as it reads (hashing/reading.py)
AWAITED = tuple.__new__(Entry, (*UNKNOWN_STAT, stat.S_IFREG, None, None))


def vouched_entry(mode: int, blob: str) -> Entry:
    """The entry of a file git vouches for."""
    return tuple.__new__(Entry, (*UNKNOWN_STAT, mode, None, blob))


@attrs.frozen
class Scan:
    """One walk of the workspace: its files, its BUILD.toml files, what was left out."""

    entries: Mapping[str, Entry]
    build_files: tuple[str, ...]  # workspace-relative, sorted; may name a folder (an error)
    nested: tuple[str, ...]  # folders holding a workspace of their own, left out
    problems: Mapping[str, str]  # path -> why it cannot be read
    left_out: tuple[str, ...] = ()  # files git tracks that an exclusion left out (sorted)


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
        for path in self.paths:
            folder = path.rpartition("/")[0]
            package = owner_of_dir.get(folder)
            if package is None:
                package = folder
                while package and package not in self.packages:
                    package = package.rpartition("/")[0]
                owner_of_dir[folder] = package
            if package in owned:
                owned[package].append(path)
        return {p: tuple(files) for p, files in owned.items()}


def scan_workspace(
    root: Path,
    exclude: Iterable[str] = (),
    found: Found | None = None,
    entries: dict[str, Entry] | None = None,
) -> Scan:
    """lstat every file below `root` once: skip .git and .graphbuild, whatever an `exclude`
    glob matches, and nested workspaces; note every BUILD.toml outside hidden folders.
    `found`: told the regular files of each folder in a package, as the walk finds them, and
    those are not lstat-ed: their entries are AWAITED, for the reader to fill in `entries`."""
    walk = Walk(str(root), exclusion_test(exclude), found)
    if entries is not None:
        walk.entries = entries
    walk.folders([("", False)])
    return walk.scan()


# told the regular files (not BUILD.toml) of one folder inside a package below the root, by
# their directory entries' type (no lstat)
Found = Callable[[list[str]], None]


def hides_packages(name: str) -> bool:
    """True for a folder name below which BUILD.toml files are not packages (a dot folder,
    node_modules, __pycache__)."""
    return name.startswith(".") or name in NOT_PACKAGES


def is_hidden(path: str) -> bool:
    """True for a path inside a folder that hides packages."""
    return any(hides_packages(part) for part in path.split("/"))


class Walk:
    """The state of one scan: what was found so far, below one root."""

    def __init__(
        self, base: str, is_excluded: Callable[[str, str], bool], found: Found | None = None
    ) -> None:
        self.base = base
        self.is_excluded = is_excluded
        self.found = found
        self.inside: dict[str, bool] = {}  # folder -> inside a package (kept for `found`)
        self.entries: dict[str, Entry] = {}
        self.problems: dict[str, str] = {}
        self.build_files: list[str] = []
        self.nested: list[str] = []

    def copy(self) -> Walk:
        """Another walk that starts from what this one found."""
        other = Walk(self.base, self.is_excluded)
        other.entries, other.problems = dict(self.entries), dict(self.problems)
        other.build_files, other.nested = list(self.build_files), list(self.nested)
        return other

    def scan(self) -> Scan:
        """What the walk found, as a Scan."""
        build_files, nested = tuple(sorted(self.build_files)), tuple(sorted(self.nested))
        return Scan(self.entries, build_files, nested, self.problems)

    def folders(self, stack: list[tuple[str, bool]]) -> None:
        """Walk the folders on `stack` ((relative path, hidden) pairs) and everything below."""
        base, is_excluded, problems = self.base, self.is_excluded, self.problems
        while stack:
            rel, hidden = stack.pop()
            folder = f"{base}/{rel}" if rel else base
            try:
                with os.scandir(folder) as scanner:
                    items = list(scanner)
            except OSError as err:
                problems[rel] = err.strerror or str(err)
                continue
            has_build = rel and any(i.name == BUILD_FILE for i in items)
            if has_build and is_workspace_root(f"{folder}/{BUILD_FILE}"):
                self.nested.append(rel)
                continue
            collect = self.found is not None and self.inside_package(
                rel, bool(has_build) and not hidden
            )
            found: list[str] = []
            for item in items:
                name = item.name
                path = f"{rel}/{name}" if rel else name
                if is_excluded(name, path):
                    continue
                if item.is_dir(follow_symlinks=False):
                    if name == BUILD_FILE and not hidden:
                        self.build_files.append(path)  # a folder where a file belongs
                    if name not in SKIP_DIRS:
                        stack.append((path, hidden or hides_packages(name)))
                    continue
                if collect and name != BUILD_FILE and item.is_file(follow_symlinks=False):
                    self.entries[path] = AWAITED  # the reader's fstat gives its stat data
                    found.append(path)
                    continue
                self.file(path, name, hidden, item)
            if found and self.found is not None:
                self.found(found)

    def inside_package(self, rel: str, package: bool) -> bool:
        """Whether folder `rel` is inside a package below the root (`package`: it holds a
        BUILD.toml outside hidden folders), its parent having been walked first."""
        inside = self.inside[rel] = bool(rel) and (
            package or self.inside.get(rel.rpartition("/")[0], False)
        )
        return inside

    def file(self, path: str, name: str, hidden: bool, item: os.DirEntry[str] | None) -> None:
        """lstat one file (through its directory entry when there is one) and record it."""
        try:
            st = item.stat(follow_symlinks=False) if item else os.lstat(f"{self.base}/{path}")
            link = os.readlink(f"{self.base}/{path}") if S_ISLNK(st.st_mode) else None
        except OSError as err:
            if item is None and isinstance(err, FileNotFoundError):
                return  # git listed it, but it is gone: deleted
            self.problems[path] = err.strerror or str(err)
            return
        mode = st.st_mode
        if S_ISDIR(mode) and item is None and ".git" in path.split("/"):
            self.problems[path] = "a folder inside .git: name its files one by one"
            return
        if S_ISDIR(mode) and item is None:
            if name == BUILD_FILE and not hidden:
                self.build_files.append(path)  # a folder where a file belongs
            self.folders([(path, is_hidden(path))])
            return
        if link is None and not S_ISREG(mode):
            self.problems[path] = "not a regular file"
            return
        self.entries[path] = new_entry(
            (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, mode, link, None)
        )
        if name == BUILD_FILE and not hidden:
            self.build_files.append(path)


def make_tree(scan: Scan, packages: Iterable[str]) -> Tree:
    """The scanned files, with the packages that own them."""
    return Tree(entries=scan.entries, packages=frozenset(packages), problems=scan.problems)


def in_git_dir(path: str) -> bool:
    """True for a path inside a `.git` folder (the walk never enters one)."""
    return ".git" in path.split("/")[:-1]


def with_git_files(root: Path, tree: Tree, paths: Iterable[str]) -> Tree:
    """The tree with the named files inside `.git` folders added, each lstat-ed (a checkout's
    .git is never walked: only files inputs name one by one, as `COPY .git/HEAD` does)."""
    walk = Walk(str(root), lambda _name, _path: False)
    for path in sorted(set(paths)):
        if in_git_dir(path) and path not in tree.entries:
            walk.file(path, path.rpartition("/")[2], True, None)
    if not walk.entries and not walk.problems:
        return tree
    entries = {**tree.entries, **{p: e for p, e in walk.entries.items() if e.link is None}}
    return Tree(entries, tree.packages, {**tree.problems, **walk.problems})

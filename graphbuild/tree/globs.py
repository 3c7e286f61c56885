"""Package-relative glob matching on the tree: which files an input pattern selects, and
which files Docker would send for a COPY source."""

from __future__ import annotations

import bisect
import posixpath
from collections.abc import Sequence

from graphbuild.core.labels import join
from graphbuild.core.paths import leaves
from graphbuild.tree.patterns import glob_regex
from graphbuild.tree.walk import Tree


def match_inputs(tree: Tree, package: str, pattern: str) -> list[str]:
    """The files of `package` that an input pattern selects (package boundaries respected)."""
    prefix = f"{package}/" if package else ""
    files = tree.by_package.get(package, ())
    segments = [s for s in pattern.strip("/").split("/") if s not in ("", ".")]
    if segments and not any(c in pattern for c in "*?["):  # a file or a folder, named whole
        return named(files, prefix + "/".join(segments)) + followed(tree, join(package, pattern))
    regex = glob_regex(pattern)
    cut = len(prefix)
    literal = literal_prefix(pattern)
    if literal:  # only the sorted run of files below the pattern's fixed folders can match
        start = bisect.bisect_left(files, prefix + literal)
        end = bisect.bisect_right(files, prefix + literal + "\U0010ffff", start)
        files = files[start:end]
    return [p for p in files if regex.match(p[cut:])] + followed(tree, join(package, pattern))


def named(files: Sequence[str], path: str) -> list[str]:
    """Of sorted `files`, `path` itself and every file below it (found by bisection: the
    files below a folder sort together, "0" following "/")."""
    at = bisect.bisect_left(files, path)
    found = [path] if at < len(files) and files[at] == path else []
    start = bisect.bisect_left(files, path + "/", at)
    return found + list(files[start : bisect.bisect_left(files, path + "0", start)])


def literal_prefix(pattern: str) -> str:
    """The leading path segments of a glob that hold no wildcard ('src/**/*.py' -> 'src')."""
    literal = []
    for segment in pattern.strip("/").split("/"):
        if any(c in segment for c in "*?[") or segment in ("", "."):
            break
        literal.append(segment)
    return "/".join(literal)


def match_context(tree: Tree, package: str, source: str) -> list[str]:
    """The files Docker would send for a COPY source (any file below it, package or not)."""
    full = join(package, source)
    if full == ".":
        return list(tree.paths)
    segments = [s for s in full.strip("/").split("/") if s not in ("", ".")]
    if segments and not any(c in full for c in "*?["):  # a file or a folder, named whole
        return named(tree.paths, "/".join(segments)) + followed(tree, full)
    regex = glob_regex(full)
    prefix = literal_prefix(full)
    paths = tree.paths
    start = bisect.bisect_left(paths, prefix)
    end = bisect.bisect_right(paths, prefix + "\U0010ffff", start)
    return [path for path in paths[start:end] if regex.match(path)] + followed(tree, full)


MAX_LINKS = 40  # links followed in one path before it counts as a loop, as Linux's ELOOP


def followed(tree: Tree, full: str) -> list[str]:
    """The files a workspace-relative pattern selects through a symlinked folder on its fixed
    part (`app/src/**` with `app/src -> code`), as Docker follows a COPY source's links."""
    literal = literal_prefix(full)
    resolved = links_on(tree, literal) if literal else None
    if resolved is None or not resolved[1]:
        return []
    target, links = resolved
    segments = [s for s in full.strip("/").split("/") if s not in ("", ".")]
    rest = segments[literal.count("/") + 1 :]
    regex = glob_regex("/".join(s for s in (target, *rest) if s))
    files = [path for path in below(tree, target) if regex.match(path)]
    return [*links, *files] if files else []


def below(tree: Tree, folder: str) -> list[str]:
    """The tree's paths equal to or below `folder` (every path for the root)."""
    if not folder:
        return list(tree.paths)
    paths = tree.paths
    start = bisect.bisect_left(paths, folder)
    end = bisect.bisect_right(paths, folder + "/\U0010ffff", start)
    return [p for p in paths[start:end] if p == folder or p.startswith(folder + "/")]


def resolve_links(tree: Tree, path: str) -> str | None:
    """`path` with every symlink on its way replaced by its target, as Docker resolves a COPY
    source in the build context; None when a link leads out of the workspace or they loop."""
    followed = links_on(tree, path)
    return None if followed is None else followed[0]


def links_on(tree: Tree, path: str) -> tuple[str, list[str]] | None:
    """`path` resolved as `resolve_links` does, and the symlinks it went through."""
    todo = path.split("/")
    done: list[str] = []
    links: list[str] = []
    while todo:
        part = todo.pop(0)
        here = "/".join([*done, part])
        entry = tree.entries.get(here)
        if entry is None or entry.link is None:
            done.append(part)
            continue
        links.append(here)
        joined = posixpath.join("/".join(done), entry.link)
        if len(links) > MAX_LINKS or leaves(joined):
            return None
        target = posixpath.normpath(joined)
        todo = [s for s in target.split("/") if s != "."] + todo
        done = []
    return "/".join(done), links


def link_targets(tree: Tree, links: list[str]) -> list[str]:
    """The files Docker copies when it follows the symlinks `links` where they stay in the
    workspace: each one's target file, or every file below its target folder."""
    return [
        p for link in links if (target := resolve_links(tree, link)) for p in below(tree, target)
    ]

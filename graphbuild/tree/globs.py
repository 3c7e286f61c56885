"""Package-relative glob matching on the tree: which files an input pattern selects, and
which files Docker would send for a COPY source."""

from __future__ import annotations

import bisect

from graphbuild.core.labels import join
from graphbuild.tree.patterns import glob_regex
from graphbuild.tree.walk import Tree


def match_inputs(tree: Tree, package: str, pattern: str) -> list[str]:
    """The files of `package` that an input pattern selects (package boundaries respected)."""
    regex = glob_regex(pattern)
    prefix = f"{package}/" if package else ""
    cut = len(prefix)
    files = tree.by_package.get(package, ())
    literal = literal_prefix(pattern)
    if literal:  # only the sorted run of files below the pattern's fixed folders can match
        start = bisect.bisect_left(files, prefix + literal)
        end = bisect.bisect_right(files, prefix + literal + "\U0010ffff", start)
        files = files[start:end]
    return [p for p in files if regex.match(p[cut:])]


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
    regex = glob_regex(full)
    prefix = literal_prefix(full)
    paths = tree.paths
    start = bisect.bisect_left(paths, prefix)
    end = bisect.bisect_right(paths, prefix + "\U0010ffff", start)
    return [path for path in paths[start:end] if regex.match(path)]

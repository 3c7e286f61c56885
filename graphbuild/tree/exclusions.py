"""What a scan leaves out: the workspace's `exclude` globs (and graphbuild's own outputs),
decided a folder at a time on the way down."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from graphbuild.tree.patterns import glob_regex


def exclusion_test(exclude: Iterable[str]) -> Callable[[str, str], bool]:
    """`test(name, path)`: whether a file or folder is excluded; callers test every folder
    on the way down, so what is below an excluded folder is never asked about. Patterns of the
    form `**/NAME-GLOB` are decided on the name alone, once per distinct name; a pattern with
    no wildcard (graphbuild's own outputs) by a set lookup."""
    by_name: list[str] = []
    by_path: list[str] = []
    literal: set[str] = set()
    for pattern in exclude:
        rest = pattern.removeprefix("**/")
        fixed = "/".join(s for s in pattern.strip("/").split("/") if s not in ("", "."))
        if rest == pattern and fixed and not any(c in pattern for c in "*?["):
            literal.add(fixed)
            continue
        (by_name if rest != pattern and "/" not in rest.strip("/") else by_path).append(
            glob_regex(rest if rest != pattern else pattern).pattern
        )
    name_re = re.compile("|".join(f"(?:{p})" for p in by_name), re.S) if by_name else None
    path_re = re.compile("|".join(f"(?:{p})" for p in by_path), re.S) if by_path else None
    seen: dict[str, bool] = {}

    def test(name: str, path: str) -> bool:
        if name_re is not None:
            hit = seen.get(name)
            if hit is None:
                hit = seen[name] = name_re.match(name) is not None
            if hit:
                return True
        if path in literal:
            return True
        return path_re is not None and path_re.match(path) is not None

    return test

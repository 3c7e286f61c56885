"""A package's `[package] exclude` as Docker reads a .dockerignore: patterns in order, the last
one that matches a path (or a folder above it) decides, `!` re-includes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from graphbuild.tree.patterns import glob_regex


def clean_pattern(pattern: str) -> tuple[bool, str]:
    """(negated, the pattern as Docker cleans it: no leading '/', no '.' segments)."""
    negated = pattern.startswith("!")
    body = pattern[1:] if negated else pattern
    segments = [s for s in body.strip().split("/") if s not in ("", ".")]
    return negated, "/".join(segments)


def ignore_test(patterns: Sequence[str]) -> Callable[[str], bool]:
    """`excluded(path)` for package-relative POSIX paths."""
    compiled = [
        (negated, glob_regex(body))
        for negated, body in (clean_pattern(p) for p in patterns)
        if body
    ]

    def excluded(path: str) -> bool:
        verdict = False
        for negated, regex in compiled:
            if regex.match(path):
                verdict = not negated
        return verdict

    return excluded

"""Path rules every phase shares: whether a relative path leads out of where it starts, and
what is wrong with a path a BUILD.toml gives relative to its package."""

from __future__ import annotations

import posixpath


def leaves(path: str) -> bool:
    """Whether `path` (a relative path, or a symlink target joined to its folder) is absolute
    or, once normalized, climbs above where it starts."""
    normal = posixpath.normpath(path)
    return path.startswith("/") or normal == ".." or normal.startswith("../")


def package_path_problem(path: str, noun: str) -> str | None:
    """What is wrong with a path given relative to a package (absolute, a backslash, or a '..'
    segment), naming it `noun`; None when nothing is."""
    if path.startswith("/") or "\\" in path:
        return f"{noun} {path!r} must be relative to the package folder"
    if ".." in path.split("/"):
        return f"{noun} {path!r} escapes the package folder ('..' is not allowed)"
    return None

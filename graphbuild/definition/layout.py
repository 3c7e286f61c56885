"""Where a workspace's definition lives: the BUILD.toml files, and which of them is a root."""

from __future__ import annotations

import re
from pathlib import Path

from graphbuild.core.errors import LoadError
from graphbuild.core.reading import read_bytes

BUILD_FILE = "BUILD.toml"
WORKSPACE_TABLE_RE = re.compile(r"^\s*\[\s*workspace\s*\]", re.MULTILINE)


def is_workspace_root(path: str) -> bool:
    """True when the BUILD.toml at `path` has a [workspace] table of its own."""
    try:
        text = read_bytes(Path(path)).decode("utf-8", errors="replace")
    except OSError:
        return False
    return WORKSPACE_TABLE_RE.search(text) is not None


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` whose BUILD.toml has a [workspace] table."""
    start = start.resolve()
    for folder in (start, *start.parents):
        build = folder / BUILD_FILE
        if build.is_file() and is_workspace_root(str(build)):
            return folder
    raise LoadError(f"no {BUILD_FILE} with a [workspace] table in this folder or any above it")

"""The lock slices emit wrote and no image has any more: found by their header, in a module
light enough for an emit that reuses its last output to check before anything else imports."""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from pathlib import Path

from graphbuild.core.reading import read_bytes

SLICE_HEADER = "# The uv.lock packages "  # how every slice begins: emit removes only such files
SLICE_HEAD_LIMIT = 16 * 1024 * 1024  # larger .txt files are not slices emit wrote


def stale_slices(root: Path, folder: str, files: Collection[str]) -> list[str]:
    """Lock slices on disk that no image has any more (`files` are the current ones; emit
    removes the others): regular files of the slices' folder that graphbuild wrote (they start
    with its header), never a file of the team's, and nothing through a symlinked folder."""
    where = root / folder
    if where.is_symlink() or not where.is_dir() or any(p.is_symlink() for p in where.parents):
        return []
    stale = []
    for path in sorted(where.glob("*.txt")):
        name = f"{folder}/{path.name}"
        if name in files or path.is_symlink() or not path.is_file():
            continue
        with contextlib.suppress(OSError, UnicodeDecodeError):
            if read_bytes(path, SLICE_HEAD_LIMIT).decode().startswith(SLICE_HEADER):
                stale.append(name)
    return stale

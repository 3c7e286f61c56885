"""Shared by the command modules: exit codes and small file helpers."""

from __future__ import annotations

from pathlib import Path

from graphbuild.core.reading import read_optional

EXIT_OK, EXIT_CHANGES, EXIT_BAD_INPUT = 0, 1, 2
DESCRIPTION = (
    "A declarative build graph for the container images of a Python monorepo: content hashes, "
    "a plan of what rebuilds and why, one emitted Dockerfile and a bake file."
)


def read_text(root: Path, path: str) -> str | None:
    """A workspace file's text (a regular file, bounded: a FIFO a checkout puts where an
    output goes must not hang a command), or None when it does not exist."""
    return read_optional(root / path, path)

"""Shared by the command modules: exit codes and small file helpers."""

from __future__ import annotations

from pathlib import Path

from graphbuild.core.errors import GraphbuildError

EXIT_OK, EXIT_CHANGES, EXIT_BAD_INPUT = 0, 1, 2
DESCRIPTION = (
    "A declarative build graph for the container images of a Python monorepo: content hashes, "
    "a plan of what rebuilds and why, one emitted Dockerfile and a bake file."
)


def read_text(path: Path) -> str | None:
    """A file's text, or None when it does not exist."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise GraphbuildError(f"cannot read {path.name}: {err}") from None

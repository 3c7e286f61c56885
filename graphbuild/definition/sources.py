"""Where a workspace's definition is read from: its folder on disk, or texts in memory (the
tests' RuleRunner): the one seam between the loader and the filesystem."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import attrs

from graphbuild.core.errors import LoadError
from graphbuild.core.reading import read_optional
from graphbuild.definition.layout import BUILD_FILE
from graphbuild.definition.toml import parse_toml, read_build_file


def read_text(root: Path, path: str) -> str | None:
    """A workspace file's text, None when it is not there; unreadable is an error."""
    return read_optional(root / path, path)


class WorkspaceFiles(Protocol):
    """Where the definition is read from: a folder on disk, or texts in memory (tests)."""

    def build_file(self, path: str) -> tuple[str, dict[str, Any]]:
        """The text and parsed tables of a BUILD.toml (workspace-relative)."""
        ...

    def text(self, path: str) -> str | None:
        """A workspace file's text, None when it is not there."""
        ...


@attrs.frozen
class DiskFiles:
    """The workspace's files in its folder."""

    root: Path

    def build_file(self, path: str) -> tuple[str, dict[str, Any]]:
        """The text and parsed tables of a BUILD.toml."""
        return read_build_file(self.root, path)

    def text(self, path: str) -> str | None:
        """A file's text, None when it is not there; unreadable is an error."""
        return read_text(self.root, path)


@attrs.frozen
class MemoryFiles:
    """A workspace as texts by path: the definition loaded with no filesystem."""

    files: Mapping[str, str]

    def build_file(self, path: str) -> tuple[str, dict[str, Any]]:
        """The text and parsed tables of a BUILD.toml."""
        if path not in self.files:
            raise LoadError(f"no {BUILD_FILE} at the workspace root", file=path)
        return self.files[path], parse_toml(self.files[path], path)

    def text(self, path: str) -> str | None:
        """A file's text, None when it is not there."""
        return self.files.get(path)

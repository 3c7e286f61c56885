"""The one seam between graphbuild and a Python ecosystem's lock: a provider reads the
workspace's own lock into the model the rules use (members, their folders and edges, every
locked package). uv's is the one registered today; a poetry or pdm provider goes beside it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import attrs

from graphbuild.core.uv import UvWorkspace
from graphbuild.definition.uv_workspace import Read, load_uv_workspace


class LockProvider(Protocol):
    """Reads one ecosystem's workspace and lock, or says it is not there (None)."""

    @property
    def name(self) -> str:
        """The ecosystem: "uv"."""
        ...

    def load(self, read: Read, files: Iterable[str], folder: str) -> UvWorkspace | None:
        """The locked workspace in `folder` (root-relative, "." for the root), or None when
        this ecosystem has none there."""
        ...


@attrs.frozen
class UvProvider:
    """uv: `[tool.uv.workspace]` (or one project) and `uv.lock`, as uv resolved it."""

    name: str = "uv"

    def load(self, read: Read, files: Iterable[str], folder: str) -> UvWorkspace | None:
        """The uv workspace, from uv.lock."""
        return load_uv_workspace(read, files, folder)


PROVIDERS: tuple[LockProvider, ...] = (UvProvider(),)


def load_locked_workspace(
    read: Read, files: Iterable[str], folder: str = "."
) -> UvWorkspace | None:
    """The first registered provider's workspace in `folder` (the root by default), or None."""
    listed = list(files)
    for provider in PROVIDERS:
        found = provider.load(read, listed, folder)
        if found is not None:
            return found
    return None

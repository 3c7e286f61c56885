"""The local record of what `graphbuild build` has built: image label -> content hash."""

from __future__ import annotations

from collections.abc import Mapping

from graphbuild.state.kinds import BUILT_IMAGES
from graphbuild.state.store import Store


def load_built(store: Store) -> dict[str, str]:
    """Label -> hash of images built here; empty when missing or not trusted."""
    return dict(store.get(BUILT_IMAGES) or {})


def record_built(store: Store, built: Mapping[str, str]) -> None:
    """Add freshly built images to the record."""
    store.write(BUILT_IMAGES, dict(sorted({**load_built(store), **built}.items())))

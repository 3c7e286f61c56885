"""The local record of what `graphbuild build` has built: image label -> content hash and the
image digest the engine reported."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from graphbuild.state.kinds import BUILT_IMAGES
from graphbuild.state.store import Store


@attrs.frozen
class BuiltImage:
    """One image built here: the content hash it was built at, and the engine's digest of the
    result (None where the engine reported none)."""

    hash: str
    image: str | None


def load_built(store: Store) -> dict[str, BuiltImage]:
    """Label -> what was built here; empty when missing or not trusted."""
    record = store.get(BUILT_IMAGES) or {}
    return {label: BuiltImage(entry["hash"], entry["image"]) for label, entry in record.items()}


def record_built(store: Store, built: Mapping[str, BuiltImage]) -> None:
    """Add freshly built images to the record."""
    merged = {**load_built(store), **built}
    store.write(BUILT_IMAGES, {label: attrs.asdict(merged[label]) for label in sorted(merged)})

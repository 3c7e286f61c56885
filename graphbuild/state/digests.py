"""The file-digest caches, read from and written to the store."""

from __future__ import annotations

from collections.abc import Mapping

from graphbuild.hashing.file_digests import Caches, prune_stat_cache
from graphbuild.state.kinds import OBJECT_DIGESTS, STAT_DIGESTS
from graphbuild.state.store import Store
from graphbuild.tree.walk import Entry


def load_digest_caches(store: Store, tree: Mapping[str, Entry]) -> Caches:
    """The stored digest caches (empty ones where missing or not trusted) for a whole tree,
    the stat cache already rid of files that are gone or that git now vouches for."""
    caches = Caches(store.get(STAT_DIGESTS) or {}, store.get(OBJECT_DIGESTS) or {})
    prune_stat_cache(caches, tree)
    return caches


def load_caches_for(store: Store, files: Mapping[str, Entry]) -> Caches:
    """The digest caches a few files need (only those they can hit), unpruned."""
    stat = any(entry.blob is None for entry in files.values())
    objects = any(entry.blob is not None for entry in files.values())
    return Caches(
        (store.get(STAT_DIGESTS) or {}) if stat else {},
        (store.get(OBJECT_DIGESTS) or {}) if objects else {},
    )


def save_digest_caches(store: Store, caches: Caches) -> None:
    """Store the caches that changed."""
    if caches.stat_changed:
        store.write(STAT_DIGESTS, caches.by_stat)
    if caches.object_changed:
        store.write(OBJECT_DIGESTS, caches.by_object)

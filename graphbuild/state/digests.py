"""The file-digest cache, read from and written to the store."""

from __future__ import annotations

from collections.abc import Mapping

from graphbuild.hashing.file_digests import Caches, prune_stat_cache
from graphbuild.state.kinds import STAT_DIGESTS
from graphbuild.state.store import Store
from graphbuild.tree.walk import Entry


def load_digest_caches(store: Store, tree: Mapping[str, Entry]) -> Caches:
    """The stored stat cache (empty where missing or not trusted) for a whole tree, already rid
    of files that are gone or that git now vouches for."""
    caches = Caches(store.get(STAT_DIGESTS) or {})
    prune_stat_cache(caches, tree)
    return caches


def load_caches_for(store: Store, files: Mapping[str, Entry]) -> Caches:
    """The stat cache a few files need (none when git vouches for them all), unpruned."""
    if all(entry.blob is not None or entry.link is not None for entry in files.values()):
        return Caches()
    return Caches(store.get(STAT_DIGESTS) or {})


def save_digest_caches(store: Store, caches: Caches) -> None:
    """Store the cache if it changed."""
    if caches.stat_changed:
        store.write(STAT_DIGESTS, caches.by_stat)

"""File digests of inputs (git blob ids, docs/design.md §5): a file git vouches for is known by
the id in git's index, for free; any other is read, helped by a cache keyed by path, size, mtime and
inode (held in memory here; the state store keeps it)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from stat import S_IXUSR

import attrs

from graphbuild.core.errors import InputError
from graphbuild.hashing.packed import FileDigest
from graphbuild.hashing.reading import Hashing, Unreadable, link_blob_id
from graphbuild.tree.walk import Entry, Tree

RACY_NS = 2_000_000_000  # a file modified this recently may change again within one mtime tick

# The stat cache's row of a file git does not vouch for: (size, mtime_ns, ctime_ns, inode,
# blob id). A plain tuple: it is stored as data, and a warm plan reads 200,000 of them.
StatRow = tuple[int, int, int, int, str]
BLOB = 4  # the blob id's place in a StatRow


def racy_cutoff() -> int:
    """Files modified at or after this time (ns) are too recent to cache by their stat data."""
    return time.time_ns() - RACY_NS


@attrs.define
class Caches:
    """The stat cache, read once: path -> (size, mtime, ctime, inode, blob id) of files git does not
    vouch for; grown in place by digest_files, which marks it when it needs storing."""

    by_stat: dict[str, StatRow] = attrs.field(factory=dict)
    stat_changed: bool = False
    # path -> blob id of each file read now and settled (its stat data is the tree's): a row
    # of its own would hold 200,000 more tuples at the peak of a cold plan
    read: dict[str, str] = attrs.field(factory=dict)

    def rows(self, entries: Mapping[str, Entry]) -> Iterator[tuple[str, StatRow]]:
        """Every row the cache holds now, `entries` giving the stat data of files read."""
        read = self.read
        yield from ((p, row) for p, row in self.by_stat.items() if p not in read)
        for path, blob in read.items():
            size, mtime_ns, ctime_ns, inode, _, _, _ = entries[path]
            yield path, (size, mtime_ns, ctime_ns, inode, blob)


def prune_stat_cache(caches: Caches, entries: Mapping[str, Entry]) -> None:
    """Drop the stat entries of files that are gone or that git now vouches for (a walk
    without git leaves one entry per file; dropping them before hashing keeps them out of
    the peak)."""
    by_stat = caches.by_stat
    gone = [p for p in by_stat if (e := entries.get(p)) is None or e.blob is not None]
    for path in gone:
        del by_stat[path]
    caches.stat_changed = caches.stat_changed or bool(gone)


def start_hashing(root: Path, tree: Tree, paths: Iterable[str], caches: Caches) -> Hashing:
    """Start reading those of `paths` neither git nor the cache knows, in the background."""
    jobs = [p for p in paths if miss(caches, p, tree.entries[p])]
    return Hashing(root, jobs, [tree.entries[p].size for p in jobs])


def miss(caches: Caches, path: str, entry: Entry) -> bool:
    """True when a regular file's digest must be read from its bytes."""
    if entry.link is not None or entry.blob is not None:
        return False
    cached = caches.by_stat.get(path)
    if cached is None:
        return True
    size, mtime_ns, ctime_ns, inode, _ = cached
    return (size, mtime_ns, ctime_ns, inode) != (
        entry.size,
        entry.mtime_ns,
        entry.ctime_ns,
        entry.inode,
    )


def digest_files(
    root: Path,
    tree: Tree,
    paths: Iterable[str],
    caches: Caches,
    started: Hashing | None = None,
) -> dict[str, FileDigest]:
    """Digest every path: a file git vouches for by the blob id in its index, a symlink by the
    blob id of its target, any other file by size, mtime and inode (unchanged ones come from
    the cache, the rest are read); files read ahead (`started`) are taken from there."""
    # One piece on purpose: its two loops run once per file of a 200,000-file tree, and a
    # function call per file would cost a warm plan more than the lookups themselves.
    entries = tree.entries
    cache = caches.by_stat
    result: dict[str, FileDigest] = {}
    cutoff = racy_cutoff()
    new_digest = tuple.__new__  # FileDigest(...) built in C: these loops run once per file
    missing: list[str] = []
    for path in paths:  # the hot loop of a warm plan: one pass, no allocation on a cache hit
        size, mtime_ns, ctime_ns, inode, mode, link, blob = entries[path]
        if blob is not None:
            result[path] = new_digest(FileDigest, (blob, bool(mode & S_IXUSR), False))
            continue
        if link is not None:
            result[path] = FileDigest(link_blob_id(link), False, True)
            continue
        cached = cache.get(path)
        if cached is not None and cached[:BLOB] == (size, mtime_ns, ctime_ns, inode):
            result[path] = new_digest(FileDigest, (cached[BLOB], bool(mode & S_IXUSR), False))
        else:
            missing.append(path)
    ahead = started.results() if started is not None else {}
    rest = [path for path in missing if path not in ahead]
    with Hashing(root, rest, [entries[p].size for p in rest]) as hashing:
        ahead.update(hashing.results())
    added = 0
    for path in missing:
        outcome = ahead.pop(path)  # freed as it is used: a cold plan without git holds 200,000
        if isinstance(outcome, Unreadable):
            raise InputError(f"cannot read input {path}: {outcome.error}", file=path)
        _, mtime_ns, ctime_ns, _, mode, _, _ = entries[path]
        if mtime_ns < cutoff and ctime_ns < cutoff:
            caches.read[path] = outcome  # the cache, grown in place
            added += 1
        result[path] = new_digest(FileDigest, (outcome, bool(mode & S_IXUSR), False))
    caches.stat_changed = caches.stat_changed or bool(added)
    return result

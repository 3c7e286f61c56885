"""SHA-256 digests of input files, helped by two caches held in memory (the state store keeps
them): one keyed by path, size, mtime and inode, one from git object ids to the SHA-256 of the
same bytes (for files git vouches for)."""

from __future__ import annotations

import hashlib
import stat
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from stat import S_IXUSR

import attrs

from graphbuild.core.errors import InputError
from graphbuild.hashing.packed import FileDigest
from graphbuild.hashing.reading import Hashing, Job, Unreadable
from graphbuild.tree.walk import Entry, Tree

RACY_NS = 2_000_000_000  # a file modified this recently may change again within one mtime tick


def racy_cutoff() -> int:
    """Files modified at or after this time (ns) are too recent to cache by their stat data."""
    return time.time_ns() - RACY_NS


@attrs.define
class Caches:
    """Both digest caches, read once: path -> (size, mtime, inode, sha256), and git object
    id -> sha256; grown in place by digest_files, which marks the one that needs storing."""

    by_stat: dict[str, tuple[int, int, int, str]] = attrs.field(factory=dict)
    by_object: dict[str, str] = attrs.field(factory=dict)
    stat_changed: bool = False
    object_changed: bool = False


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
    """Start hashing those of `paths` no cache knows, in the background."""
    jobs = [(p, tree.entries[p].blob) for p in paths if miss(caches, p, tree.entries[p])]
    return Hashing(root, jobs, [tree.entries[p].size for p, _ in jobs])


def miss(caches: Caches, path: str, entry: Entry) -> bool:
    """True when a regular file's digest is in neither cache."""
    size, mtime_ns, inode, _, link, blob = entry
    if link is not None:
        return False
    if blob is not None:
        return blob not in caches.by_object
    cached = caches.by_stat.get(path)
    return cached is None or cached[0] != size or cached[1] != mtime_ns or cached[2] != inode


def digest_files(
    root: Path,
    tree: Tree,
    paths: Iterable[str],
    caches: Caches,
    prune: bool = True,
    started: Hashing | None = None,
) -> dict[str, FileDigest]:
    """Digest every path: a file git vouches for by its object id (known ids come from the
    cache), any other one by size, mtime and inode (unchanged ones come from the cache); files
    hashed ahead (`started`) are taken from there. The object-id cache is bounded by the
    tree's files, unless told not to prune (a tree of edits only)."""
    # One piece on purpose: its two loops run once per file of a 200,000-file tree, and a
    # function call per file would cost a warm plan more than the lookups themselves.
    paths = list(paths)
    entries = tree.entries
    cache, blobs = caches.by_stat, caches.by_object
    result: dict[str, FileDigest] = {}
    cutoff = racy_cutoff()
    missing: list[Job] = []
    for path in paths:  # the hot loop of a warm plan: one pass, no allocation on a cache hit
        size, mtime_ns, inode, mode, link, blob = entries[path]
        if link is not None:
            digest = hashlib.sha256(link.encode("utf-8", "surrogateescape")).hexdigest()
            result[path] = FileDigest(digest, False, True)
            continue
        if blob is not None:
            known = blobs.get(blob)
            if known is not None:
                result[path] = FileDigest(known, bool(mode & stat.S_IXUSR), False)
            else:
                missing.append((path, blob))
            continue
        cached = cache.get(path)
        if (
            cached is not None
            and cached[0] == size
            and cached[1] == mtime_ns
            and cached[2] == inode
        ):
            result[path] = FileDigest(cached[3], bool(mode & stat.S_IXUSR), False)
        else:
            missing.append((path, None))
    ahead = started.results() if started is not None else {}
    rest = [job for job in missing if job[0] not in ahead]
    with Hashing(root, rest, [entries[p].size for p, _ in rest]) as hashing:
        ahead.update(hashing.results())
    learned = added = 0
    new_digest = tuple.__new__  # FileDigest(...) built in C: this loop runs once per file
    for path, _ in missing:
        outcome = ahead.pop(path)  # freed as it is used: a cold plan holds 200,000
        if isinstance(outcome, Unreadable):
            raise InputError(f"cannot read input {path}: {outcome.error}", file=path)
        digest, verified = outcome
        size, mtime_ns, inode, mode, _, blob = entries[path]
        if verified is not None:
            blobs[verified] = digest  # the cache, grown in place
            learned += 1
        elif blob is None and mtime_ns < cutoff:
            cache[path] = (size, mtime_ns, inode, digest)  # the cache, grown in place
            added += 1
        result[path] = new_digest(FileDigest, (digest, bool(mode & S_IXUSR), False))
    caches.stat_changed = caches.stat_changed or bool(added)
    if learned:
        caches.object_changed = True
        if prune and len(blobs) > 2 * len(entries):  # ids of other commits: bounded
            live = {e.blob for e in entries.values()}
            for stale in [b for b in blobs if b not in live]:
                del blobs[stale]
    return result

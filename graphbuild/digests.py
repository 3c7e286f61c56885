"""SHA-256 digests of input files, with a local cache keyed by path, size, mtime and inode."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import stat
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

from graphbuild.cache import read_sealed, write_sealed
from graphbuild.errors import InputError
from graphbuild.files import Tree

CACHE_FILE = "digests.v2.pickle"
CACHE_MAGIC = "graphbuild-digests-2"
RACY_NS = 2_000_000_000  # a file modified this recently may change again within one mtime tick
MAX_WORKERS = 8
PARALLEL_BYTES = 64 << 20  # below this, starting processes costs more than it saves


class FileDigest(NamedTuple):
    """What the hash records of one input: its content digest and the bits Docker preserves."""

    sha256: str
    executable: bool
    symlink: bool = False


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in bounded chunks (any size, bounded memory)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _hash_chunk(root: str, paths: list[str]) -> list[str | tuple[str, str]]:
    """Worker: the digests of `paths`, or (path, error) for one that cannot be read."""
    out: list[str | tuple[str, str]] = []
    for path in paths:
        try:
            out.append(sha256_file(Path(root, path)))
        except OSError as err:
            out.append((path, err.strerror or str(err)))
    return out


def hash_files(root: Path, paths: list[str], sizes: list[int]) -> list[str]:
    """SHA-256 of many files; large batches are split over processes (hashing holds the GIL)."""
    total = sum(sizes)
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if workers < 2 or total < PARALLEL_BYTES or len(paths) < 2 * workers:
        results = _hash_chunk(str(root), paths)
    else:
        chunks = balanced_chunks(paths, sizes, workers * 8)
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            parts = pool.map(_hash_chunk, [str(root)] * len(chunks), [c for c in chunks])
            results = [digest for part in parts for digest in part]
    for result in results:
        if isinstance(result, tuple):
            raise InputError(f"cannot read input {result[0]}: {result[1]}", file=result[0])
    return results  # type: ignore[return-value]


def balanced_chunks(paths: list[str], sizes: list[int], count: int) -> list[list[str]]:
    """Consecutive runs of paths of about equal total size (order kept)."""
    target = max(1, sum(sizes) // count)
    chunks: list[list[str]] = [[]]
    filled = 0
    for path, size in zip(paths, sizes, strict=True):
        if filled >= target and chunks[-1]:
            chunks.append([])
            filled = 0
        chunks[-1].append(path)
        filled += size
    return chunks


def load_cache(cache_dir: Path | None) -> dict[str, tuple[int, int, int, str]]:
    """The digest cache, or an empty one when it is missing, stale or corrupt."""
    if cache_dir is None:
        return {}
    entries = read_sealed(cache_dir / CACHE_FILE, CACHE_MAGIC)
    return entries if isinstance(entries, dict) else {}


def digest_files(
    root: Path, tree: Tree, paths: Iterable[str], cache_dir: Path | None = None
) -> dict[str, FileDigest]:
    """Digest every path; unchanged files (same size, mtime, inode) come from the cache."""
    cache = load_cache(cache_dir)
    fresh: dict[str, tuple[int, int, int, str]] = {}
    result: dict[str, FileDigest] = {}
    now = time.time_ns()
    missing: list[str] = []
    entries = tree.entries
    for path in paths:  # the hot loop of a warm plan: one pass, no allocation on a cache hit
        size, mtime_ns, inode, mode, link = entries[path]
        if link is not None:
            digest = hashlib.sha256(link.encode("utf-8", "surrogateescape")).hexdigest()
            result[path] = FileDigest(digest, False, True)
            continue
        cached = cache.get(path)
        if (
            cached is not None
            and cached[0] == size
            and cached[1] == mtime_ns
            and cached[2] == inode
        ):
            result[path] = FileDigest(cached[3], bool(mode & stat.S_IXUSR), False)
            fresh[path] = cached
        else:
            missing.append(path)
    digests = hash_files(root, missing, [tree.entries[p].size for p in missing])
    for path, digest in zip(missing, digests, strict=True):
        entry = tree.entries[path]
        if now - entry.mtime_ns > RACY_NS:
            fresh[path] = (entry.size, entry.mtime_ns, entry.inode, digest)
        result[path] = FileDigest(digest, entry.executable)
    if cache_dir is not None and (missing or len(fresh) != len(cache)):
        merged = {p: v for p, v in {**cache, **fresh}.items() if p in tree.entries}
        if merged != cache:
            save_cache(cache_dir, merged)
    return result


def save_cache(cache_dir: Path, entries: dict[str, tuple[int, int, int, str]]) -> None:
    """Write the cache atomically and sealed."""
    write_sealed(cache_dir / CACHE_FILE, CACHE_MAGIC, entries)

"""SHA-256 digests of input files, with a local cache keyed by path, size, mtime and inode."""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from collections.abc import Iterable
from pathlib import Path

import attrs

from graphbuild.errors import InputError
from graphbuild.files import Tree
from graphbuild.writes import write_atomic

CACHE_FILE = "digests.v1.pickle"
CACHE_MAGIC = "graphbuild-digests-1"
RACY_NS = 2_000_000_000  # a file modified this recently may change again within one mtime tick
CHUNK = 1 << 20


@attrs.frozen
class FileDigest:
    """What the hash records of one input: its content digest and the bits Docker preserves."""

    sha256: str
    executable: bool
    symlink: bool = False


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in bounded chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def load_cache(cache_dir: Path | None) -> dict[str, tuple[int, int, int, str]]:
    """The digest cache, or an empty one when it is missing, stale or corrupt."""
    if cache_dir is None:
        return {}
    try:
        with open(cache_dir / CACHE_FILE, "rb") as handle:
            magic, entries = pickle.load(handle)
    except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError, AttributeError):
        return {}
    return entries if magic == CACHE_MAGIC and isinstance(entries, dict) else {}


def digest_files(
    root: Path, tree: Tree, paths: Iterable[str], cache_dir: Path | None = None
) -> dict[str, FileDigest]:
    """Digest every path; unchanged files (same size, mtime, inode) come from the cache."""
    cache = load_cache(cache_dir)
    fresh: dict[str, tuple[int, int, int, str]] = {}
    result: dict[str, FileDigest] = {}
    now = time.time_ns()
    for path in paths:
        entry = tree.entries[path]
        if entry.link is not None:
            digest = hashlib.sha256(entry.link.encode("utf-8", "surrogateescape")).hexdigest()
            result[path] = FileDigest(digest, False, symlink=True)
            continue
        key = (entry.size, entry.mtime_ns, entry.inode)
        cached = cache.get(path)
        if cached is not None and cached[:3] == key:
            digest = cached[3]
        else:
            try:
                digest = sha256_file(root / path)
            except OSError as err:
                raise InputError(f"cannot read input {path}: {err.strerror}", file=path) from None
        if now - entry.mtime_ns > RACY_NS:
            fresh[path] = (*key, digest)
        result[path] = FileDigest(digest, entry.executable)
    if cache_dir is not None and fresh != cache:
        merged = {p: v for p, v in {**cache, **fresh}.items() if p in tree.entries}
        save_cache(cache_dir, merged)
    return result


def save_cache(cache_dir: Path, entries: dict[str, tuple[int, int, int, str]]) -> None:
    """Write the cache atomically; a cache that cannot be written is only a lost speed-up."""
    try:
        os.makedirs(cache_dir, exist_ok=True)
        write_atomic(cache_dir / CACHE_FILE, pickle.dumps((CACHE_MAGIC, entries), protocol=5))
    except OSError:
        pass

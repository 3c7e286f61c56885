"""Reading files for their digests: the git blob id of the bytes (SHA-1 of `blob <size>\\0` and
the bytes, docs/design.md §5), in worker processes for large batches."""

from __future__ import annotations

import errno
import hashlib
import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from stat import S_ISREG
from typing import Any

import attrs

from graphbuild.core.model import BLOB_HEX
from graphbuild.tree.walk import Entry, new_entry

MAX_WORKERS = 8
WORKERS = min(os.cpu_count() or 1, MAX_WORKERS)
STREAMED_BATCH = 2048  # files a streamed chunk holds (200,000 files: 100 chunks)
PARALLEL_BYTES = 64 << 20  # below this, starting processes costs more than it saves
WHOLE_READ = 1 << 20  # files up to this size are read in one call, larger ones in chunks


def blob_id(data: bytes) -> str:
    """The id git gives a blob of these bytes (SHA-1 object format)."""
    return hashlib.sha1(b"blob %d\0%s" % (len(data), data)).hexdigest()


def link_blob_id(target: str) -> str:
    """A symlink's digest: the blob id of its target string, as git stores it."""
    return blob_id(target.encode("utf-8", "surrogateescape"))


def chunks_into(handle: io.FileIO, buffer: bytearray) -> Iterator[memoryview]:
    """A large file's bytes, read into one reused buffer (memory stays bounded by the buffer,
    whatever the allocator does with a fresh 1 MB object per read)."""
    view = memoryview(buffer)
    while count := handle.readinto(buffer):
        yield view[:count]


def file_blob_id(path: str | Path) -> str:
    """The blob id of a file's bytes."""
    with open(path, "rb", buffering=0) as handle:
        return blob_of(handle, os.fstat(handle.fileno()).st_size)


def opened_blob_id(path: str) -> tuple[str, os.stat_result]:
    """The blob id of a regular file and its stat data, from one open that neither follows a
    symlink nor waits on a FIFO (the walk saw a regular file there; it may have changed since).
    The stat data is what the walk's lstat would have said: it is the same file."""
    with io.FileIO(os.open(path, OPEN_FLAGS), "rb") as handle:
        stat = os.fstat(handle.fileno())
        if not S_ISREG(stat.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return blob_of(handle, stat.st_size), stat


def blob_of(handle: io.FileIO, size: int) -> str:
    """The blob id of an open file of `size` bytes, in one read for a small file (a fresh 1 MB
    buffer per file cost more than the hashing)."""
    digest = hashlib.sha1(b"blob %d\0" % size)
    read = 0
    if size <= WHOLE_READ:
        chunks: Iterable[bytes | memoryview] = (handle.readall(),)
    else:
        chunks = chunks_into(handle, bytearray(WHOLE_READ))
    for chunk in chunks:
        digest.update(chunk)
        read += len(chunk)
    if read != size:  # it changed size while being read: the header was wrong; read it whole
        handle.seek(0)
        return blob_id(handle.readall())
    return digest.hexdigest()


@attrs.frozen
class Unreadable:
    """A file a worker could not read, and why."""

    error: str


Result = str | Unreadable  # a blob id
Packed = tuple[str, dict[str, str], list[int]]  # a worker's answer: see _hash_chunk
STAT_FIELDS = 5  # size, mtime_ns, ctime_ns, inode, mode: an Entry's stat data
UNREAD_STAT = (-1, 0, 0, 0, 0)  # the place of a file that could not be read
OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def _hash_chunk(root: str, paths: str, stat: bool = False) -> Packed:
    """Worker: the files named in `paths` (NUL-separated): their blob ids end to end, path ->
    error for any that could not be read, and (`stat`) each file's STAT_FIELDS, one flat list.
    Strings and ints, not 12,000 tuples: pickling results back cost more than the hashing."""
    digests: list[str] = []
    errors: dict[str, str] = {}
    stats: list[int] = []
    for path in paths.split("\0"):
        try:
            if stat:
                blob, found = opened_blob_id(f"{root}/{path}")
                stats += (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)
                stats.append(found.st_mode)
            else:
                blob = file_blob_id(f"{root}/{path}")
            digests.append(blob)
        except OSError as err:
            errors[path] = err.strerror or str(err)
            digests.append("0" * BLOB_HEX)
            stats += UNREAD_STAT if stat else ()
    return "".join(digests), errors, stats


def unpack_chunk(paths: list[str], packed: Packed) -> dict[str, Result]:
    """path -> blob id, or Unreadable, from a worker's strings."""
    digests, errors, _ = packed
    out: dict[str, Result] = {}
    for i, path in enumerate(paths):
        error = errors.get(path) if errors else None
        out[path] = Unreadable(error) if error is not None else digests[40 * i : 40 * i + 40]
    return out


def unpack_stats(paths: list[str], packed: Packed) -> Iterator[tuple[str, Entry]]:
    """(path, entry) of each file a worker read and stat-ed (none for one it could not)."""
    _, errors, stats = packed
    for i, path in enumerate(paths):
        if not errors or path not in errors:
            at = STAT_FIELDS * i
            yield path, new_entry((*stats[at : at + STAT_FIELDS], None, None))  # type: ignore[arg-type]


def run_chunk(root: str, paths: list[str]) -> dict[str, Result]:
    """Hash one chunk of paths in this process."""
    return unpack_chunk(paths, _hash_chunk(root, "\0".join(paths))) if paths else {}


class Hashing:
    """Files being hashed: in worker processes while the caller goes on (large batches), or
    at once in this process (small ones)."""

    def __init__(self, root: Path, paths: list[str], sizes: list[int]) -> None:
        known = [s for s in sizes if s >= 0]
        average = sum(known) // len(known) if known else 16 << 10
        sizes = [s if s >= 0 else average for s in sizes]
        self.root = str(root)
        self.pool: Any = None
        self.parts: list[Any] = []
        self.pending: list[str] = []  # added, not yet sent (streamed hashing)
        self.done: dict[str, Result] | None = None
        self.entries: dict[str, Entry] | None = None  # the walk's, completed (streamed)
        if WORKERS < 2 or sum(sizes) < PARALLEL_BYTES or len(paths) < 2 * WORKERS:
            self.done = run_chunk(self.root, paths)
            return
        for chunk in balanced_chunks(paths, sizes, WORKERS * 8):
            self.send(chunk)

    @classmethod
    def streamed(cls, root: Path, entries: dict[str, Entry]) -> Hashing:
        """Hashing of files `add`ed as a walk finds them, a batch at a time in worker processes
        (started at the first full batch: a small tree is hashed in this process). The walk
        leaves each such file's entry AWAITED: the reader stat-s the file it opened, and its
        entry in `entries` is filled in when the results are collected (one lstat fewer per
        file: 0.8 s of a 200,000-file walk here)."""
        hashing = cls(root, [], [])
        hashing.done = None
        hashing.entries = entries
        return hashing

    def add(self, paths: list[str]) -> None:
        """Hash these files too (streamed hashing)."""
        self.pending += paths
        if len(self.pending) >= STREAMED_BATCH and WORKERS >= 2:
            self.send(self.pending)
            self.pending = []

    def send(self, chunk: list[str]) -> None:
        """Hand one chunk to a worker, starting them on first use."""
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("fork")
            self.pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=context)
        joined, stat = "\0".join(chunk), self.entries is not None
        self.parts.append((chunk, self.pool.submit(_hash_chunk, self.root, joined, stat)))

    def results(self) -> dict[str, Result]:
        """path -> its blob id, or Unreadable (waits for them); a streamed hashing's entries
        filled in (those of files that could not be read stay AWAITED)."""
        if self.done is None:
            self.done = {}
            if self.pending:  # a streamed remainder, here
                stat = self.entries is not None
                self.collect(self.pending, _hash_chunk(self.root, "\0".join(self.pending), stat))
                self.pending = []
            for chunk, future in self.parts:
                self.collect(chunk, future.result())
            self.close()
        return self.done

    def collect(self, chunk: list[str], packed: Packed) -> None:
        """Take in one chunk's results."""
        assert self.done is not None
        self.done.update(unpack_chunk(chunk, packed))
        if self.entries is not None:
            self.entries.update(unpack_stats(chunk, packed))

    def close(self) -> None:
        """Stop the workers (unfinished work is dropped)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> Hashing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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

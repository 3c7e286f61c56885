"""Reading files for their digests: the git blob id of the bytes (SHA-1 of `blob <size>\\0` and
the bytes, docs/design.md §5), in worker processes for large batches."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from graphbuild.core.model import BLOB_HEX

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
    """The blob id of a file's bytes, in one read for a small file (a fresh 1 MB buffer per
    file cost more than the hashing)."""
    with open(path, "rb", buffering=0) as handle:
        size = os.fstat(handle.fileno()).st_size
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
        with open(path, "rb") as handle:
            return blob_id(handle.read())
    return digest.hexdigest()


@attrs.frozen
class Unreadable:
    """A file a worker could not read, and why."""

    error: str


Result = str | Unreadable  # a blob id


def _hash_chunk(root: str, paths: str) -> tuple[str, dict[str, str]]:
    """Worker: the files named in `paths` (NUL-separated): their blob ids end to end, and path
    -> error for any that could not be read. Strings, not 12,000 tuples: pickling results back
    cost more than the hashing."""
    digests: list[str] = []
    errors: dict[str, str] = {}
    for path in paths.split("\0"):
        try:
            digests.append(file_blob_id(f"{root}/{path}"))
        except OSError as err:
            errors[path] = err.strerror or str(err)
            digests.append("0" * BLOB_HEX)
    return "".join(digests), errors


def unpack_chunk(paths: list[str], packed: tuple[str, dict[str, str]]) -> dict[str, Result]:
    """path -> blob id, or Unreadable, from a worker's strings."""
    digests, errors = packed
    out: dict[str, Result] = {}
    for i, path in enumerate(paths):
        error = errors.get(path) if errors else None
        out[path] = Unreadable(error) if error is not None else digests[40 * i : 40 * i + 40]
    return out


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
        if WORKERS < 2 or sum(sizes) < PARALLEL_BYTES or len(paths) < 2 * WORKERS:
            self.done = run_chunk(self.root, paths)
            return
        for chunk in balanced_chunks(paths, sizes, WORKERS * 8):
            self.send(chunk)

    @classmethod
    def streamed(cls, root: Path) -> Hashing:
        """Hashing of files `add`ed as they are found, a batch at a time in worker processes
        (started at the first full batch: a small tree is hashed in this process)."""
        hashing = cls(root, [], [])
        hashing.done = None
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
        self.parts.append((chunk, self.pool.submit(_hash_chunk, self.root, "\0".join(chunk))))

    def results(self) -> dict[str, Result]:
        """path -> its blob id, or Unreadable (waits for them)."""
        if self.done is None:
            self.done = run_chunk(self.root, self.pending)  # a streamed remainder, here
            self.pending = []
            for chunk, future in self.parts:
                self.done.update(unpack_chunk(chunk, future.result()))
            self.close()
        return self.done

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

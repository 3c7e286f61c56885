"""Reading files for their digests: SHA-256 of the bytes and, where git vouched for a file,
git's object id of the same bytes in the same read; in worker processes for large batches."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

MAX_WORKERS = 8
PARALLEL_BYTES = 64 << 20  # below this, starting processes costs more than it saves


WHOLE_READ = 1 << 20  # files up to this size are read in one call, larger ones in chunks


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes (any size, bounded memory)."""
    return digest_and_object_id(path, None)[0]


def git_object_id(data: bytes, algorithm: str = "sha1") -> str:
    """The id git gives a blob of these bytes (in a SHA-1 or SHA-256 repository)."""
    return hashlib.new(algorithm, b"blob %d\0%s" % (len(data), data)).hexdigest()


def chunks_into(handle: io.FileIO, buffer: bytearray) -> Iterator[memoryview]:
    """A large file's bytes, read into one reused buffer (memory stays bounded by the buffer,
    whatever the allocator does with a fresh 1 MB object per read)."""
    view = memoryview(buffer)
    while count := handle.readinto(buffer):
        yield view[:count]


def digest_and_object_id(path: str | Path, algorithm: str | None) -> tuple[str, str]:
    """SHA-256 of a file's bytes and, given git's hash algorithm, git's object id of the same
    bytes, in one read. A small file is read in one call: a fresh 1 MB buffer per file cost
    more than the hashing."""
    with open(path, "rb", buffering=0) as handle:
        size = os.fstat(handle.fileno()).st_size
        ours = hashlib.sha256()
        header = b"blob %d\0" % size
        gits = (
            (hashlib.sha1 if algorithm == "sha1" else hashlib.sha256)(header) if algorithm else None
        )
        read = 0
        if size <= WHOLE_READ:
            chunks: Iterable[bytes | memoryview] = (handle.readall(),)
        else:
            chunks = chunks_into(handle, bytearray(WHOLE_READ))
        for chunk in chunks:
            ours.update(chunk)
            if gits is not None:
                gits.update(chunk)
            read += len(chunk)
    if gits is None:
        return ours.hexdigest(), ""
    return ours.hexdigest(), gits.hexdigest() if read == size else ""


Job = tuple[str, str | None]  # path, and git's object id for it when git vouched for it


@attrs.frozen
class Unreadable:
    """A file a worker could not read, and why."""

    error: str


Hashed = tuple[str, str | None]  # its SHA-256, and git's object id when the bytes matched it
Result = Hashed | Unreadable
VERIFIED, UNVERIFIED = ord("1"), ord("0")  # a worker's per-file flag: the bytes have git's id


def _hash_chunk(root: str, paths: str, blobs: str) -> tuple[str, bytes, dict[str, str]]:
    """Worker: the files named in `paths` (NUL-separated; `blobs` gives git's object id for
    each, or nothing): their SHA-256 hex digests end to end, a 1 for each file whose bytes have
    exactly git's id (only then may the pair be remembered), and path -> error for any that
    could not be read. Strings, not 12,000 tuples: pickling results back cost more than the
    hashing."""
    digests: list[str] = []
    verified = bytearray()
    errors: dict[str, str] = {}
    for path, blob in zip(paths.split("\0"), blobs.split("\0"), strict=True):
        try:
            if not blob:
                digest, gits = digest_and_object_id(f"{root}/{path}", None)
            else:
                algorithm = "sha1" if len(blob) == 40 else "sha256"
                digest, gits = digest_and_object_id(f"{root}/{path}", algorithm)
        except OSError as err:
            errors[path] = err.strerror or str(err)
            digest, gits = "0" * 64, ""
        digests.append(digest)
        verified.append(VERIFIED if blob and gits == blob else UNVERIFIED)
    return "".join(digests), bytes(verified), errors


def unpack_chunk(jobs: list[Job], packed: tuple[str, bytes, dict[str, str]]) -> dict[str, Result]:
    """path -> (digest, verified object id or None), or Unreadable, from a worker's strings."""
    digests, verified, errors = packed
    out: dict[str, Result] = {}
    for i, (path, blob) in enumerate(jobs):
        error = errors.get(path) if errors else None
        if error is not None:
            out[path] = Unreadable(error)
        else:
            out[path] = (digests[64 * i : 64 * i + 64], blob if verified[i] == VERIFIED else None)
    return out


def run_chunk(root: str, jobs: list[Job]) -> dict[str, Result]:
    """Hash one chunk of jobs in this process."""
    paths = "\0".join(p for p, _ in jobs)
    blobs = "\0".join(b or "" for _, b in jobs)
    return unpack_chunk(jobs, _hash_chunk(root, paths, blobs)) if jobs else {}


class Hashing:
    """Files being hashed: in worker processes while the caller goes on (large batches), or
    at once in this process (small ones)."""

    def __init__(self, root: Path, jobs: list[Job], sizes: list[int]) -> None:
        known = [s for s in sizes if s >= 0]
        average = sum(known) // len(known) if known else 16 << 10
        sizes = [s if s >= 0 else average for s in sizes]
        workers = min(os.cpu_count() or 1, MAX_WORKERS)
        self.jobs = jobs
        self.pool: Any = None
        self.parts: list[Any] = []
        self.done: dict[str, Result] | None = None
        if workers < 2 or sum(sizes) < PARALLEL_BYTES or len(jobs) < 2 * workers:
            self.done = run_chunk(str(root), jobs)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        for chunk in balanced_chunks(jobs, sizes, workers * 8):
            paths = "\0".join(p for p, _ in chunk)
            blobs = "\0".join(b or "" for _, b in chunk)
            self.parts.append((chunk, self.pool.submit(_hash_chunk, str(root), paths, blobs)))

    def results(self) -> dict[str, Result]:
        """path -> its digest and verified object id, or Unreadable (waits for them)."""
        if self.done is None:
            self.done = {}
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


def balanced_chunks(jobs: list[Job], sizes: list[int], count: int) -> list[list[Job]]:
    """Consecutive runs of jobs of about equal total size (order kept)."""
    target = max(1, sum(sizes) // count)
    chunks: list[list[Job]] = [[]]
    filled = 0
    for path, size in zip(jobs, sizes, strict=True):
        if filled >= target and chunks[-1]:
            chunks.append([])
            filled = 0
        chunks[-1].append(path)
        filled += size
    return chunks

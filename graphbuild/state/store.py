"""Local state in `.graphbuild/`: sealed cache files (checked before they are trusted) and the
lock that keeps two graphbuild processes from writing one workspace at once."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from graphbuild.core.writes import write_atomic_stream

LOCK_ON = "BUILD.toml"


def write_sealed(path: Path, magic: str, value: Any) -> None:
    """Pickle `value` behind a header with the magic and the payload's SHA-256, streamed to
    disk (the digest is filled in last); a cache that cannot be written is only a lost
    speed-up."""

    def write(handle: BinaryIO) -> None:
        handle.write(f"{magic}\n{'0' * 64}\n".encode())
        sealing = SealingWriter(handle)
        pickle.dump(value, sealing, protocol=5)
        handle.seek(len(magic.encode()) + 1)
        handle.write(sealing.digest.hexdigest().encode())

    with contextlib.suppress(OSError):
        write_atomic_stream(path, write, durable=False)  # the seal catches a torn write


class SealingWriter:
    """A file-like writer that hashes what passes through it."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.handle.write(data)


def read_sealed(path: Path, magic: str) -> Any | None:
    """The value written by write_sealed, or None when missing, from another version,
    truncated or damaged: the checksum is verified before anything is unpickled."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1)
    if first < 0 or second < 0 or data[:first] != magic.encode():
        return None
    payload = memoryview(data)[second + 1 :]  # no copy of a payload of many megabytes
    if hashlib.sha256(payload).hexdigest().encode() != data[first + 1 : second]:
        return None
    try:
        return pickle.loads(payload)
    except Exception:  # a sealed payload from a bug: treat like damage
        return None


@contextlib.contextmanager
def workspace_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock while reading and writing the workspace's state, waiting for
    another graphbuild to finish. The lock is taken on the root BUILD.toml, which exists
    already, so taking it creates no file (a failed command leaves the tree as it was)."""
    try:
        fd = os.open(root / LOCK_ON, os.O_RDONLY)
    except OSError:
        yield  # no root file: loading will report that
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

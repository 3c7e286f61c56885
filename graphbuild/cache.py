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
from typing import Any

from graphbuild.writes import write_atomic

LOCK_ON = "BUILD.toml"


def write_sealed(path: Path, magic: str, value: Any) -> None:
    """Pickle `value` behind a header with the magic and the payload's SHA-256; a cache that
    cannot be written is only a lost speed-up."""
    payload = pickle.dumps(value, protocol=5)
    header = f"{magic}\n{hashlib.sha256(payload).hexdigest()}\n".encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, (header, payload), durable=False)  # the seal catches a torn write
    except OSError:
        pass


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

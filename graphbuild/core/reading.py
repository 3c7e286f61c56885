"""Reading a workspace's own text files (BUILD.toml, pyproject.toml, uv.lock, a Dockerfile)
safely: only a regular file, never a FIFO that would hang or a device that never ends, and no
more than a bound, whatever a hostile checkout puts there."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from graphbuild.core.errors import LoadError

TEXT_LIMIT = 64 * 1024 * 1024  # larger than any real lock file (the largest seen: ~8 MB)


class NotRegular(OSError):
    """The path is a FIFO, a device, a socket or a folder: nothing graphbuild reads."""


class TooLarge(OSError):
    """The file is over the bound a text file of the workspace may have."""


def read_bytes(path: Path, limit: int = TEXT_LIMIT) -> bytes:
    """The bytes of the regular file at `path` (symlinks followed), at most `limit` of them;
    NotRegular or TooLarge (OSErrors) otherwise. Opening never blocks on a FIFO."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise NotRegular(0, kind, str(path))
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > limit:
                raise TooLarge(0, f"larger than {limit // (1024 * 1024)} MiB", str(path))
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: Path, limit: int = TEXT_LIMIT) -> str:
    """read_bytes decoded as UTF-8 (UnicodeDecodeError where it is not)."""
    return read_bytes(path, limit).decode("utf-8")


def read_optional(path: Path, shown: str) -> str | None:
    """read_text, None when the file is not there; a LoadError naming the file as `shown`
    (workspace-relative) when it cannot be read."""
    try:
        return read_text(path)
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as err:
        raise LoadError(f"not valid UTF-8 (byte {err.start})", file=shown) from None
    except OSError as err:
        raise LoadError(f"cannot read: {err.strerror or err}", file=shown) from None

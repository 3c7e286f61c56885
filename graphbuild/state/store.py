"""The one store of cached state in `.graphbuild/`: the only code that opens, seals, decodes,
versions or trusts a record (through `seal`), and that takes the workspace lock before
writing one."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import attrs

from graphbuild.core.errors import StateError
from graphbuild.core.writes import write_atomic, write_atomic_stream
from graphbuild.state.seal import (
    Codec,
    Hit,
    Kind,
    Miss,
    Missed,
    SealingWriter,
    encode,
    header,
    unseal,
)

__all__ = ["STATE_DIR", "Codec", "Hit", "Kind", "Miss", "Missed", "Store", "open_store"]

STATE_DIR = ".graphbuild"
GITIGNORE = "# graphbuild's local cache: never committed (written by graphbuild)\n*\n"
LOCK_ON = "BUILD.toml"  # exists already: taking the lock creates no file


@attrs.frozen
class Lookup:
    """One read of the store, for `plan -v`: which record, and what became of it."""

    kind: str
    key: str | None
    reason: Miss | None  # None: a hit


class Store:
    """The cached state of one workspace (or none at all: every read misses, writes are
    dropped). Open it with `open_store`, which holds the workspace lock while it is open."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.lookups: list[Lookup] = []
        self.behind: list[tuple[int, frozenset[str]]] = []  # (child, the kinds it writes)

    def write_behind(self, kinds: Iterable[Kind], write: Callable[[], object]) -> None:
        """Run `write`, which writes records of `kinds` only, in a forked child while this
        process goes on (a new memo of 500 images takes 0.25 s to write: the plan is made and
        printed meanwhile, on the other core); a read or write of those kinds, and the store's
        closing, wait for it. Inline where a fork is not safe (another thread runs) or fails."""
        if self.folder is None:
            return
        if not hasattr(os, "fork") or threading.active_count() > 1:
            write()
            return
        try:
            child = os.fork()
        except OSError:
            write()
            return
        if child == 0:  # the child: write, then leave at once (no exit handler, no flush)
            code, self.behind = 1, []  # the parent's children are not this one's
            try:
                write()
                code = 0
            finally:
                os._exit(code)
        self.behind.append((child, frozenset(kind.name for kind in kinds)))

    def settle(self, kind: Kind | None = None) -> None:
        """Wait for the children writing records of `kind` (of any kind: None)."""
        waiting = [(c, k) for c, k in self.behind if kind is None or kind.name in k]
        self.behind = [(c, k) for c, k in self.behind if (c, k) not in waiting]
        for child, _ in waiting:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(child, 0)

    @property
    def enabled(self) -> bool:
        """False for the store of a run told not to cache."""
        return self.folder is not None

    def path(self, kind: Kind, key: str | None = None) -> Path:
        """Where a record lives (only for an enabled store)."""
        assert self.folder is not None
        if kind.keyed:
            assert key is not None and "/" not in key and not key.startswith(".")
            return self.folder / kind.file_name / key
        return self.folder / kind.file_name

    def stored_size(self, kind: Kind, key: str | None = None) -> int:
        """The size in bytes of a record's file (0 when none is stored)."""
        if self.folder is None:
            return 0
        try:
            return self.path(kind, key).stat().st_size
        except OSError:
            return 0

    def read(self, kind: Kind, key: str | None = None) -> Hit | Missed:
        """The record, or why it cannot be used."""
        if self.behind:
            self.settle(kind)
        if self.folder is None:
            outcome: Hit | Missed = Missed(Miss.DISABLED)
        else:
            try:
                data = self.path(kind, key).read_bytes()
            except FileNotFoundError:
                outcome = Missed(Miss.ABSENT)
            except OSError:
                outcome = Missed(Miss.UNREADABLE)
            else:
                outcome = unseal(kind, data)
        self.lookups.append(
            Lookup(kind.name, key, outcome.reason if isinstance(outcome, Missed) else None)
        )
        return outcome

    def get(self, kind: Kind, key: str | None = None) -> Any | None:
        """The record's value, or None on any miss."""
        outcome = self.read(kind, key)
        return outcome.value if isinstance(outcome, Hit) else None

    def write(self, kind: Kind, value: Any, key: str | None = None) -> None:
        """Seal and store a record, streamed to disk (the checksum is filled in last); a record
        that cannot be written is only a lost speed-up."""
        if self.folder is None:
            return
        if self.behind:
            self.settle(kind)  # a child's older record must not land over this one
        first = header(kind)

        def write(handle: BinaryIO) -> None:
            handle.write(first + b"0" * 64 + b"\n")
            sealing = SealingWriter(handle)
            encode(kind, value, sealing)
            handle.seek(len(first))
            handle.write(sealing.digest.hexdigest().encode())

        with contextlib.suppress(OSError, ValueError, TypeError):  # unwritable: only a miss
            write_atomic_stream(self.path(kind, key), write, durable=False)
            self.ignore_in_git()

    def ignore_in_git(self) -> None:
        """Keep the store out of `git add -A`: a .gitignore of its own, as tools' caches have
        (the team's own .gitignore need not know graphbuild)."""
        assert self.folder is not None
        marker = self.folder / ".gitignore"
        if not marker.exists():
            write_atomic(marker, GITIGNORE, durable=False)

    def is_empty(self) -> bool:
        """True when no record is stored (a fresh clone's store, or a run's told not to cache)."""
        if self.folder is None:
            return True
        try:
            return all(name.startswith(".") for name in os.listdir(self.folder))
        except OSError:
            return True

    def keys(self, kind: Kind) -> set[str]:
        """The keys stored for a keyed kind."""
        if self.folder is None:
            return set()
        try:
            names = os.listdir(self.folder / kind.file_name)
        except OSError:
            return set()
        return {name for name in names if not name.startswith(".")}

    def discard(self, kind: Kind, key: str | None = None) -> None:
        """Remove a record, if stored."""
        if self.behind:
            self.settle(kind)
        if self.folder is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path(kind, key))


def check_state_folder(root: Path) -> None:
    """`.graphbuild` must be a folder of the workspace's own: a symlink (committed, or a cache
    restored as one) would put graphbuild's writes wherever it points."""
    folder = root / STATE_DIR
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise StateError(
            f"{STATE_DIR} is a symlink or not a folder: graphbuild keeps its state only in a"
            " folder of its own (remove it)", file=STATE_DIR,
        )  # fmt: skip


def logs_folder(root: Path) -> Path:
    """Where build logs go (output for people, never read back as state)."""
    return root / STATE_DIR / "logs"


HELD: dict[Path, int] = {}  # workspace roots whose lock this process holds, and how often


@contextlib.contextmanager
def open_store(root: Path, enabled: bool = True) -> Iterator[Store]:
    """The workspace's store, with the workspace lock held while it is open: another graphbuild
    waits until this one is done. Opening it again in the same process reuses the lock."""
    if not enabled:
        yield Store(None)
        return
    root = root.resolve()
    check_state_folder(root)
    store = Store(root / STATE_DIR)
    if root in HELD:
        HELD[root] += 1
        try:
            yield store
        finally:
            store.settle()
            HELD[root] -= 1
        return
    with workspace_lock(root):  # released only once its writers are done: they share it
        HELD[root] = 1
        try:
            yield store
        finally:
            store.settle()
            del HELD[root]


@contextlib.contextmanager
def workspace_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on the root BUILD.toml, waiting for another graphbuild to finish."""
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

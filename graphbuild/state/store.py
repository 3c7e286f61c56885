"""The one store of cached state in `.graphbuild/`: the only code that opens, seals, decodes,
versions or trusts a record, and that takes the workspace lock before writing one."""

from __future__ import annotations

import contextlib
import copyreg
import enum
import fcntl
import functools
import hashlib
import importlib.util
import json
import os
import pickle
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

import attrs

import graphbuild
from graphbuild.core.writes import write_atomic_stream
from graphbuild.rules.api import ENTRY_POINT_GROUP

STATE_DIR = ".graphbuild"
ENTRY_MODULE_RE = re.compile(r"^\s*[^=\s]+\s*=\s*([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
LOCK_ON = "BUILD.toml"  # exists already: taking the lock creates no file
MAGIC = b"graphbuild-state"
NO_CODE = "-"


def mapping_proxy(items: dict[str, Any]) -> MappingProxyType[str, Any]:
    """A read-only mapping (how pickle rebuilds one: mappingproxy cannot be pickled itself)."""
    return MappingProxyType(items)


# the memos pickle targets' frozen configs (read-only mappings); this is how they round-trip
copyreg.pickle(MappingProxyType, lambda proxy: (mapping_proxy, (dict(proxy),)))


class Codec(enum.Enum):
    """How a record's value is turned into bytes."""

    PICKLE = "pickle"  # graphbuild's own classes: trusted only from the same code
    JSON = "json"  # plain data, readable by people and other tools


class Miss(enum.Enum):
    """Why a record was not used (each is a miss: the caller recomputes)."""

    ABSENT = "not stored"
    UNREADABLE = "cannot be read"
    FOREIGN = "not a graphbuild record"
    OTHER_KIND = "a record of another kind"
    OTHER_VERSION = "written at another record version"
    OTHER_CODE = "written by other graphbuild code"
    CORRUPT = "damaged: its checksum does not match"
    UNDECODABLE = "its payload cannot be decoded"
    WRONG_SHAPE = "not of the declared shape"
    DISABLED = "caching is off"


@attrs.frozen
class Kind:
    """One kind of record, declared once: where it lives, its version and codec, what its value
    must be, and whether only the graphbuild code that wrote it may read it back."""

    name: str
    version: int
    codec: Codec
    shape: type | tuple[type, ...]
    code_bound: bool
    keyed: bool = False  # one file per key, in a folder named after the kind
    check: Callable[[Any], bool] | None = None  # a deeper test of the decoded value

    @property
    def file_name(self) -> str:
        """The file (or, for a keyed kind, the folder) in `.graphbuild/`."""
        return f"{self.name}.v{self.version}"


@attrs.frozen
class Hit:
    """A record that passed every check."""

    value: Any


@attrs.frozen
class Missed:
    """A record that was not used, and why."""

    reason: Miss


@functools.cache
def code_fingerprint() -> str:
    """graphbuild's version and the SHA-256 of its source files and of the installed rule
    packages': a record bound to the code is trusted only from the same code, wherever it was
    installed (a CI cache stays useful)."""
    package = Path(graphbuild.__file__).parent
    sources = hashlib.sha256(graphbuild.__version__.encode())
    for root in (package, *rule_packages()):
        files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
        for file in files:
            sources.update(f"{file.relative_to(root.parent).as_posix()}\0".encode())
            sources.update(hashlib.sha256(file.read_bytes()).digest())
    return sources.hexdigest()


def group_section(text: str) -> str:
    """The lines of the rules' group in an entry_points.txt ('' without one)."""
    head = f"[{ENTRY_POINT_GROUP}]"
    return text.split(head, 1)[1].split("\n[", 1)[0] if head in text else ""


def rule_packages() -> list[Path]:
    """The top-level modules or packages that installed distributions name in the rules'
    entry-point group, found by reading `entry_points.txt` files (importlib.metadata would
    cost a warm plan 50 ms to import)."""
    modules: set[str] = set()
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                text = Path(folder or ".", name, "entry_points.txt").read_text("utf-8", "replace")
            except OSError:
                continue
            if f"[{ENTRY_POINT_GROUP}]" in text:
                modules |= set(
                    ENTRY_MODULE_RE.findall(text.split(f"[{ENTRY_POINT_GROUP}]")[1].split("\n[")[0])
                )
    found = []
    for module in sorted(modules):  # find_spec of a top-level name imports nothing
        spec = importlib.util.find_spec(module) if module.isidentifier() else None
        if spec is not None and spec.origin and spec.origin not in ("built-in", "frozen"):
            origin = Path(spec.origin)
            found.append(origin.parent if origin.name == "__init__.py" else origin)
    return found


def header(kind: Kind) -> bytes:
    """The first line of a record: magic, kind, version, codec and (when bound) the code."""
    code = code_fingerprint() if kind.code_bound else NO_CODE
    return b"%s %s %d %s %s\n" % (
        MAGIC,
        kind.name.encode(),
        kind.version,
        kind.codec.value.encode(),
        code.encode(),
    )


def encode(kind: Kind, value: Any, handle: SealingWriter) -> None:
    """Write `value` with the kind's codec."""
    if kind.codec is Codec.PICKLE:
        pickle.dump(value, handle, protocol=5)
    else:
        handle.write(json.dumps(value, sort_keys=True, separators=(",", ":")).encode())


def decode(kind: Kind, payload: memoryview) -> Hit | Missed:
    """The value in a sealed payload, checked against the kind's shape."""
    try:
        value = pickle.loads(payload) if kind.codec is Codec.PICKLE else json.loads(bytes(payload))
    except Exception:
        return Missed(Miss.UNDECODABLE)
    if not isinstance(value, kind.shape):
        return Missed(Miss.WRONG_SHAPE)
    try:
        if kind.check is not None and not kind.check(value):
            return Missed(Miss.WRONG_SHAPE)
    except Exception:
        return Missed(Miss.WRONG_SHAPE)
    return Hit(value)


def unseal(kind: Kind, data: bytes) -> Hit | Missed:
    """Check a record's header and checksum, then decode it."""
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1)
    if first < 0 or second < 0:
        return Missed(Miss.FOREIGN)
    fields = data[:first].split(b" ")
    if len(fields) != 5 or fields[0] != MAGIC:
        return Missed(Miss.FOREIGN)
    if fields[1] != kind.name.encode() or fields[3] != kind.codec.value.encode():
        return Missed(Miss.OTHER_KIND)
    if fields[2] != str(kind.version).encode():
        return Missed(Miss.OTHER_VERSION)
    if data[: first + 1] != header(kind):
        return Missed(Miss.OTHER_CODE)
    payload = memoryview(data)[second + 1 :]  # no copy of a payload of many megabytes
    if hashlib.sha256(payload).hexdigest().encode() != data[first + 1 : second]:
        return Missed(Miss.CORRUPT)
    return decode(kind, payload)


class SealingWriter:
    """A file-like writer that hashes what passes through it."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.handle.write(data)


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

    def read(self, kind: Kind, key: str | None = None) -> Hit | Missed:
        """The record, or why it cannot be used."""
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
        first = header(kind)

        def write(handle: BinaryIO) -> None:
            handle.write(first + b"0" * 64 + b"\n")
            sealing = SealingWriter(handle)
            encode(kind, value, sealing)
            handle.seek(len(first))
            handle.write(sealing.digest.hexdigest().encode())

        with contextlib.suppress(OSError):
            write_atomic_stream(self.path(kind, key), write, durable=False)

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
        if self.folder is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path(kind, key))


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
    if root in HELD:
        HELD[root] += 1
        try:
            yield Store(root / STATE_DIR)
        finally:
            HELD[root] -= 1
        return
    with workspace_lock(root):
        HELD[root] = 1
        try:
            yield Store(root / STATE_DIR)
        finally:
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

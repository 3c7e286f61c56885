"""The sealed record format of `.graphbuild/`: a header naming the kind, its version, codec and
(when bound to it) the code, a SHA-256 of the payload, then the payload; and the checks that
turn anything else into a miss with a reason."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable
from typing import Any, BinaryIO

import attrs

from graphbuild.state import data, fingerprint

MAGIC = b"graphbuild-state"
NO_CODE = "-"


class Codec(enum.Enum):
    """How a record's value is turned into bytes: never a format that can construct any
    object (no pickle): a record is data, decoded against graphbuild's own data classes."""

    DATA = "data"  # graphbuild's data classes as tagged JSON (graphbuild.state.data)
    JSON = "json"  # plain data, readable by people and other tools
    BYTES = "bytes"  # one byte string as it is (git's index listing: no base64 of 20 MB),
    # written whole or from an iterator of its pieces


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


def header(kind: Kind) -> bytes:
    """The first line of a record: magic, kind, version, codec and (when bound) the code."""
    code = fingerprint.code_fingerprint() if kind.code_bound else NO_CODE
    return b"%s %s %d %s %s\n" % (
        MAGIC,
        kind.name.encode(),
        kind.version,
        kind.codec.value.encode(),
        code.encode(),
    )


def encode(kind: Kind, value: Any, handle: SealingWriter) -> None:
    """Write `value` with the kind's codec."""
    if kind.codec is Codec.DATA:
        data.dump_into(value, handle.write)
    elif kind.codec is Codec.BYTES:
        for piece in [value] if isinstance(value, bytes) else value:  # whole, or in pieces
            if not isinstance(piece, bytes):
                raise TypeError(f"a {kind.name} record holds bytes, not {type(piece).__name__}")
            handle.write(piece)
    else:
        handle.write(json.dumps(value, sort_keys=True, separators=(",", ":")).encode())


def decode(kind: Kind, payload: memoryview) -> Hit | Missed:
    """The value in a sealed payload, checked against the kind's shape."""
    try:
        if kind.codec is Codec.BYTES:
            value: Any = bytes(payload)
        elif kind.codec is Codec.DATA:
            value = data.loads(payload)
        else:
            value = json.loads(bytes(payload))
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

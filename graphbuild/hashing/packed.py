"""A stage's input digests kept as one string until read: the canonical JSON of the "inputs"
list its hash is taken over. A memo or record store holding 200,000 inputs loads as a few
hundred strings, not 600,000 objects, and a stage whose inputs did not change is hashed
again without unpacking them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from json.encoder import encode_basestring
from typing import NamedTuple


class FileDigest(NamedTuple):
    """What the hash records of one input: its git blob id (of the bytes Docker sends) and the
    bits Docker preserves."""

    blob: str
    executable: bool
    symlink: bool = False


class TreeDigest(NamedTuple):
    """What the hash records of a folder input: the git tree id of the files read in it (its
    path ends in a slash; docs/design.md §5)."""

    tree: str


InputDigest = FileDigest | TreeDigest  # what a stage record's inputs hold, by path
Difference = tuple[str, InputDigest | None, InputDigest | None]  # path, before, after
TRUE_FALSE = ("false", "true")
# Between two objects of the canonical list: a comma after "}" before {"blob": or {"path":.
# Never inside a path, where every '"' is escaped.
ITEM_BOUNDARY = re.compile(r'(?<=\}),(?=\{"(?:blob|path)":)')


def inputs_json(ordered: Iterable[tuple[str, InputDigest]]) -> str:
    """The canonical JSON (sorted keys, no whitespace) of the list of {"blob", "executable",
    "path", "symlink"} objects of files and {"path", "tree"} objects of folders, in path
    order; written by hand with json's own string encoder, without a dict per input."""
    return "[" + ",".join(item_json(path, digest) for path, digest in ordered) + "]"


def item_json(path: str, digest: InputDigest) -> str:
    """One input's object in canonical JSON."""
    if isinstance(digest, TreeDigest):
        return f'{{"path":{encode_basestring(path)},"tree":{encode_basestring(digest.tree)}}}'
    blob, executable, symlink = digest
    return (
        f'{{"blob":{encode_basestring(blob)},"executable":{TRUE_FALSE[executable]},'
        f'"path":{encode_basestring(path)},"symlink":{TRUE_FALSE[symlink]}}}'
    )


class PackedInputs(Mapping[str, InputDigest]):
    """path -> (blob id, executable, symlink) of a file or (tree id,) of a folder, read-only,
    kept as its canonical JSON and unpacked on first access."""

    __slots__ = ("_packed", "_unpacked")

    def __init__(self, items: Mapping[str, InputDigest] | None = None, packed: str = "[]") -> None:
        if items is not None:
            packed = inputs_json(sorted(items.items()))
        self._packed = packed
        self._unpacked: dict[str, InputDigest] | None = None

    @property
    def packed(self) -> str:
        """The one string this mapping is kept as: the canonical JSON of its list."""
        return self._packed

    def _items(self) -> dict[str, InputDigest]:
        if self._unpacked is None:
            self._unpacked = {
                item["path"]: TreeDigest(item["tree"])
                if "tree" in item
                else FileDigest(item["blob"], item["executable"], item["symlink"])
                for item in json.loads(self._packed)
            }
        return self._unpacked

    def __getitem__(self, path: str) -> InputDigest:
        return self._items()[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedInputs):
            return self._packed == other._packed
        return isinstance(other, Mapping) and dict(self) == dict(other)

    def __hash__(self) -> int:
        return hash(self._packed)

    def __repr__(self) -> str:
        return f"PackedInputs({self._items()!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return (PackedInputs, (None, self._packed))


def pack(inputs: Mapping[str, InputDigest]) -> str:
    """The packed string of any inputs mapping (without unpacking a packed one)."""
    return inputs.packed if isinstance(inputs, PackedInputs) else PackedInputs(inputs).packed


def differences(old: Mapping[str, InputDigest], new: Mapping[str, InputDigest]) -> list[Difference]:
    """Each path whose digest differs between two inputs mappings, in path order, with its
    digest on each side (None where absent). Two packed mappings are compared object by object
    as text, and only the objects that differ are parsed."""
    if isinstance(old, PackedInputs) and isinstance(new, PackedInputs):
        try:
            return packed_differences(old.packed, new.packed)
        except (ValueError, KeyError, TypeError):  # not the canonical list: compare unpacked
            pass
    return [
        (path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    ]


def packed_differences(old: str, new: str) -> list[Difference]:
    """differences() of two canonical lists, from their text."""
    before, after = set(list_items(old)), set(list_items(new))
    was = dict(map(parsed_item, before - after))
    now = dict(map(parsed_item, after - before))
    return [(path, was.get(path), now.get(path)) for path in sorted(was.keys() | now.keys())]


def list_items(packed: str) -> list[str]:
    """The objects of a canonical list, each as its text."""
    if not (packed.startswith("[") and packed.endswith("]")):
        raise ValueError("not a JSON list")
    body = packed[1:-1]
    return ITEM_BOUNDARY.split(body) if body else []


def parsed_item(text: str) -> tuple[str, InputDigest]:
    """One object of a canonical list: its path and digest."""
    item = json.loads(text)
    if "tree" in item:
        return item["path"], TreeDigest(item["tree"])
    return item["path"], FileDigest(item["blob"], item["executable"], item["symlink"])

"""The data codec of `.graphbuild/`: graphbuild's own values as tagged JSON, decoded against a
schema of known classes only. A record can name no function and no class outside graphbuild's
data classes (attrs classes, enums, named tuples), so a hostile or corrupt record is at worst
a miss: decoding never runs code of the record's choosing."""

from __future__ import annotations

import base64
import enum
import json
import sys
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from graphbuild.hashing.packed import PackedInputs

PACKAGE = "graphbuild."


class DecodeError(ValueError):
    """A payload that is not a value of graphbuild's data classes."""


def dumps(value: Any) -> bytes:
    """`value` as tagged JSON (ASCII: a file name that is not UTF-8 keeps its escapes)."""
    return ENCODER.encode(tagged(value)).encode()


ENCODER = json.JSONEncoder(separators=(",", ":"))  # made once: json.dumps makes one a call


def dump_into(value: Any, write: Callable[[bytes], object]) -> None:
    """Write `dumps(value)` in pieces: graphbuild's data classes field by field and mappings
    item by item, each item whole, so a record of many megabytes is never held whole as JSON
    (writing the walk memo at once peaked 132 MB above the analysis it stored; a piece per
    field of every stage cost the shape of 1,806 stages 0.25 s more)."""
    kind = type(value)
    if kind not in SCALARS and not isinstance(value, LEAVES) and attrs.has(kind):
        name, fields = ATTRS_FIELDS.get(kind) or learn_fields(kind)
        write(b'{"$a":%s,"$f":{' % json_bytes(name))
        for i, (alias, attribute) in enumerate(fields):
            write(b"%s%s:" % (b"," if i else b"", json_bytes(alias)))
            dump_into(getattr(value, attribute), write)
        write(b"}}")
    elif isinstance(value, Mapping) and not isinstance(value, LEAVES):
        write(b'{"$p":[' if isinstance(value, MappingProxyType) else b'{"$m":[')
        for i, (key, item) in enumerate(value.items()):
            write(b"%s[%s,%s]" % (b"," if i else b"", dumps(key), dumps(item)))
        write(b"]}")
    else:
        write(dumps(value))


LEAVES = (enum.Enum, str, bool, int, float, PackedInputs, tuple, bytes)  # tagged's order


def json_bytes(text: str) -> bytes:
    """A string as JSON (ASCII)."""
    return json.dumps(text).encode()


def learn_fields(kind: type) -> tuple[str, tuple[tuple[str, str], ...]]:
    """An attrs class's name and stored fields, learnt once."""
    found = ATTRS_FIELDS[kind] = (name_of(kind), stored_fields(kind))
    return found


def loads(payload: bytes | memoryview) -> Any:
    """The value tagged JSON holds; DecodeError for anything else."""
    try:
        return json.loads(bytes(payload), object_hook=untag)
    except DecodeError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        raise DecodeError(str(err)) from None


def name_of(cls: type) -> str:
    """`module:Qualname`."""
    return f"{cls.__module__}:{cls.__qualname__}"


SCALARS = frozenset({str, int, float, bool, type(None)})


def tagged(value: Any) -> Any:
    """A JSON-able form of `value`, every non-JSON type tagged with a `$` key."""
    kind = type(value)
    if kind in SCALARS:  # most values: one set lookup
        return value
    fields = ATTRS_FIELDS.get(kind)
    if fields is not None:
        return {"$a": fields[0], "$f": {a: tagged(getattr(value, n)) for a, n in fields[1]}}
    if isinstance(value, enum.Enum):  # before str and int: StrEnum and IntEnum are both
        return {"$e": name_of(kind), "$v": value.value}
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, PackedInputs):
        return {"$pi": value.packed}
    if attrs.has(kind):
        learn_fields(kind)
        return tagged(value)
    if isinstance(value, tuple):
        if hasattr(value, "_fields"):  # a NamedTuple
            return {"$n": name_of(kind), "$v": [tagged(v) for v in value]}
        return {"$t": [tagged(v) for v in value]}
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    if isinstance(value, MappingProxyType):
        return {"$p": [[tagged(k), tagged(v)] for k, v in value.items()]}
    if isinstance(value, Mapping):
        return {"$m": [[tagged(k), tagged(v)] for k, v in value.items()]}
    if isinstance(value, frozenset):
        return {"$fs": [tagged(v) for v in sorted(value, key=repr)]}
    if isinstance(value, list):
        return [tagged(v) for v in value]
    raise TypeError(f"{type(value).__name__} is not a data value graphbuild stores")


# attrs class -> (its name, (alias, attribute) of each field stored), learnt on first use
ATTRS_FIELDS: dict[type, tuple[str, tuple[tuple[str, str], ...]]] = {}


def stored_fields(cls: type) -> tuple[tuple[str, str], ...]:
    """The (alias, attribute) of each field of an attrs class a record keeps: those its
    initialiser takes, except private ones (a private field is a cache)."""
    return tuple(
        (f.alias, f.name) for f in attrs.fields(cls) if f.init and not f.name.startswith("_")
    )


def known_class(name: Any) -> type:
    """The graphbuild data class `module:Qualname` names: an attrs class, an enum or a named
    tuple of a module graphbuild already imported; DecodeError for anything else."""
    found = KNOWN.get(name) if isinstance(name, str) else None
    if found is None:
        found = KNOWN[name] = find_class(name)
    return found


KNOWN: dict[str, type] = {}  # the classes known_class has checked, by name


def find_class(name: Any) -> type:
    """known_class, the first time a name is met."""
    if not isinstance(name, str) or ":" not in name:
        raise DecodeError(f"not a class name: {name!r}")
    module_name, _, qualname = name.partition(":")
    module = sys.modules.get(module_name) if module_name.startswith(PACKAGE) else None
    found: Any = module
    for part in qualname.split(".") if module is not None else ():
        found = getattr(found, part, None)
    if not isinstance(found, type) or name_of(found) != name:
        raise DecodeError(f"not a graphbuild data class: {name}")
    if attrs.has(found) or issubclass(found, enum.Enum):
        return found
    if issubclass(found, tuple) and hasattr(found, "_fields"):
        return found
    raise DecodeError(f"not a graphbuild data class: {name}")


def untag(obj: dict[str, Any]) -> Any:
    """json's object hook: a tagged object back to its value (untagged ones are field tables,
    whose keys are attribute names: never a `$`)."""
    for first in obj:  # a tag is written first; one lookup, as most objects are field tables
        untagger = UNTAGGERS.get(first)
        if untagger is not None:
            return untagger(obj)
        break
    if "$" in "".join(obj):
        raise DecodeError(f"unknown tag in {sorted(obj)}")
    return obj


def untag_attrs(obj: dict[str, Any]) -> Any:
    """An attrs value from its class name and field table."""
    cls = known_class(obj["$a"])
    fields = obj["$f"]
    if not isinstance(fields, dict):
        raise DecodeError("attrs fields must be a table")
    return cls(**fields)


def untag_packed(obj: dict[str, Any]) -> PackedInputs:
    """Packed inputs from their string."""
    if not isinstance(obj["$pi"], str):
        raise DecodeError("packed inputs must be a string")
    return PackedInputs(packed=obj["$pi"])


UNTAGGERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "$t": lambda obj: tuple(obj["$t"]),
    "$m": lambda obj: {_hashable(k): v for k, v in obj["$m"]},
    "$a": untag_attrs,
    "$e": lambda obj: known_class(obj["$e"])(obj["$v"]),
    "$pi": untag_packed,
    "$n": lambda obj: known_class(obj["$n"])(*obj["$v"]),
    "$b": lambda obj: base64.b64decode(obj["$b"], validate=True),
    "$p": lambda obj: MappingProxyType({_hashable(k): v for k, v in obj["$p"]}),
    "$fs": lambda obj: frozenset(_hashable(v) for v in obj["$fs"]),
}


def _hashable(key: Any) -> Any:
    """A decoded mapping key (a list cannot be one)."""
    if isinstance(key, list | dict):
        raise DecodeError("a mapping key must be a scalar or a data value")
    return key

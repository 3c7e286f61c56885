"""The data codec of `.graphbuild/`: graphbuild's own values as tagged JSON, decoded against a
schema of known classes only. A record can name no function and no class outside graphbuild's
data classes (attrs classes, enums, named tuples), so a hostile or corrupt record is at worst
a miss: decoding never runs code of the record's choosing.

Every JSON object is tagged by its first key; a JSON array is a tuple (a record holds no
lists: its data is frozen). An attrs value is one object: its class and its fields' values
in order (`Layout`). The graph of 500 images holds 100,000 values; a table of fields apart
from each class tag, plus a tag per tuple, cost its shape 0.12 s more to write."""

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
        layout = layout_of(kind)
        if layout.positional:
            write(b'{"$c":%s,"$v":[' % json_bytes(layout.name))
            for i, (_, attribute) in enumerate(layout.fields):
                write(b"," if i else b"")
                dump_into(getattr(value, attribute), write)
            write(b"]}")
            return
        write(b'{"$a":%s' % json_bytes(layout.name))
        for alias, attribute in layout.fields:
            write(b",%s:" % json_bytes(alias))
            dump_into(getattr(value, attribute), write)
        write(b"}")
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


@attrs.frozen
class Layout:
    """How a record keeps the values of one attrs class: the class's name and each stored
    field's (alias, attribute); by position where those fields are its initialiser's first
    parameters, in order (no names written, none to match: the shape of 500 images reads in
    0.17 s against 0.195 s), else by name."""

    name: str
    fields: tuple[tuple[str, str], ...]
    positional: bool


def layout_of(kind: type) -> Layout:
    """An attrs class's layout, learnt once."""
    found = LAYOUTS.get(kind)
    if found is None:
        init = [f for f in attrs.fields(kind) if f.init]
        stored = [f for f in init if not f.name.startswith("_")]  # a private field: a cache
        positional = init[: len(stored)] == stored and not any(f.kw_only for f in stored)
        fields = tuple((f.alias, f.name) for f in stored)
        found = LAYOUTS[kind] = Layout(name_of(kind), fields, positional)
    return found


LAYOUTS: dict[type, Layout] = {}  # attrs class -> its layout, learnt on first use


def loads(payload: bytes | memoryview) -> Any:
    """The value tagged JSON holds; DecodeError for anything else."""
    try:
        return thawed(json.loads(bytes(payload), object_hook=untag))
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
    if kind is tuple:
        return [tagged(v) for v in value]
    layout = LAYOUTS.get(kind)
    if layout is not None:
        if layout.positional:
            return {"$c": layout.name, "$v": [tagged(getattr(value, n)) for _, n in layout.fields]}
        table = {"$a": layout.name}
        for alias, attribute in layout.fields:
            table[alias] = tagged(getattr(value, attribute))
        return table
    if isinstance(value, enum.Enum):  # before str and int: StrEnum and IntEnum are both
        return {"$e": name_of(kind), "$v": value.value}
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, PackedInputs):
        return {"$pi": value.packed}
    if attrs.has(kind):
        layout_of(kind)
        return tagged(value)
    if isinstance(value, tuple):
        if hasattr(value, "_fields"):  # a NamedTuple
            return {"$n": name_of(kind), "$v": [tagged(v) for v in value]}
        return [tagged(v) for v in value]
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    if isinstance(value, MappingProxyType):
        return {"$p": [[tagged(k), tagged(v)] for k, v in value.items()]}
    if isinstance(value, Mapping):
        return {"$m": [[tagged(k), tagged(v)] for k, v in value.items()]}
    if isinstance(value, frozenset):
        return {"$fs": [tagged(v) for v in sorted(value, key=repr)]}
    raise TypeError(f"{type(value).__name__} is not a data value graphbuild stores")


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
    """json's object hook: a tagged object back to its value (every object is tagged, by its
    first key)."""
    for first in obj:
        untagger = UNTAGGERS.get(first)
        if untagger is None:
            break
        return untagger(obj)
    raise DecodeError(f"an object with no known tag first: {sorted(obj)[:3]}")


def thawed(value: Any) -> Any:
    """A decoded value with every JSON array turned back into a tuple, nested ones too."""
    if type(value) is not list:
        return value
    return tuple([thawed(v) if type(v) is list else v for v in value])


def untag_attrs(obj: dict[str, Any]) -> Any:
    """An attrs value from its class name and, beside it, its fields (no `$` in their names:
    a second tag is an error, not a field)."""
    cls = known_class(obj.pop("$a"))
    for name, value in obj.items():
        if type(value) is list:
            obj[name] = thawed(value)
    return cls(**obj)


def untag_positional(obj: dict[str, Any]) -> Any:
    """An attrs value from its class name and its fields' values, in its layout's order."""
    cls = known_class(obj["$c"])
    values = obj.get("$v")
    layout = layout_of(cls) if attrs.has(cls) else None
    if layout is None or not layout.positional or len(obj) != 2 or type(values) is not list:
        raise DecodeError(f"not a value of {obj['$c']} by position")
    if len(values) != len(layout.fields):
        raise DecodeError(f"{len(values)} values for the {len(layout.fields)} of {layout.name}")
    return cls(*[thawed(v) if type(v) is list else v for v in values])


def pairs(items: Any) -> dict[Any, Any]:
    """A mapping from its decoded [key, value] pairs."""
    return {_hashable(k): thawed(v) for k, v in items}


def untag_packed(obj: dict[str, Any]) -> PackedInputs:
    """Packed inputs from their string."""
    if not isinstance(obj["$pi"], str):
        raise DecodeError("packed inputs must be a string")
    return PackedInputs(packed=obj["$pi"])


UNTAGGERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "$c": untag_positional,
    "$a": untag_attrs,
    "$m": lambda obj: pairs(obj["$m"]),
    "$e": lambda obj: known_class(obj["$e"])(obj["$v"]),
    "$pi": untag_packed,
    "$n": lambda obj: known_class(obj["$n"])(*thawed(obj["$v"])),
    "$b": lambda obj: base64.b64decode(obj["$b"], validate=True),
    "$p": lambda obj: MappingProxyType(pairs(obj["$p"])),
    "$fs": lambda obj: frozenset(_hashable(v) for v in obj["$fs"]),
}


def _hashable(key: Any) -> Any:
    """A decoded mapping key or set member (an array is a tuple)."""
    return thawed(key) if type(key) is list else key

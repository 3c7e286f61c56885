"""Strict checking of TOML tables against declared keys: types, required keys, "did you mean"."""

from __future__ import annotations

import copyreg
import difflib
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Protocol

import attrs

from graphbuild.core.errors import LoadError

ARG_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
PLATFORM_RE = re.compile(r"[a-z0-9_]+/[a-z0-9_]+(/[a-z0-9_]+)?\Z")


def check_args(args: dict[str, str], error: Callable[[str, str], LoadError], prefix: str) -> None:
    """Build args: shell-variable names, one-line values."""
    for name, value in args.items():
        if not ARG_NAME_RE.match(name):
            raise error(f"{prefix}{name}", "build arg names are letters, digits and '_'")
        if "\n" in value or "\r" in value:
            raise error(f"{prefix}{name}", "build arg values must be one line")


def check_platforms(platforms: list[str], error: Callable[[str, str], LoadError], key: str) -> None:
    """Platforms look like os/arch[/variant]."""
    for platform in platforms:
        if not PLATFORM_RE.match(platform):
            raise error(key, f"invalid platform {platform!r} (expected os/arch, e.g. linux/amd64)")


TYPE_NAMES = {
    "str": "a string",
    "bool": "true or false",
    "int": "an integer",
    "list[str]": "an array of strings",
    "table[str]": "a table of strings",
    "table[list[str]]": "a table of string arrays",
    "str|bool": "a string or true/false",
    "list[table]": "an array of tables",
    "matrix": "a table of value arrays, or a table of named variant tables",
    "table[table[str]]": "a table of tables of strings",
    "list[str|int]": "an array of strings or integers",
}


@attrs.frozen
class Key:
    """One allowed key of a table: its type, whether it is required, its default."""

    type: str
    required: bool = False
    default: Any = None
    table: Mapping[str, Key] | None = None  # the schema of each table in a list[table]


Schema = Mapping[str, "Key"]


class RuleKeys(Protocol):
    """What loading needs of a rule: the keys its targets take (rules declare them)."""

    @property
    def schema(self) -> Schema: ...
    @property
    def image_default(self) -> bool: ...
    @property
    def matrix_sugar(self) -> tuple[str, str, str] | None: ...


def suggest(word: str, choices: Any) -> str:
    """A ' (did you mean "x"?)' suffix naming the closest choice, or ''."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _type_ok(value: Any, type_name: str) -> bool:
    if type_name == "str":
        return isinstance(value, str)
    if type_name == "bool":
        return isinstance(value, bool)
    if type_name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "str|bool":
        return isinstance(value, str | bool)
    if type_name == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if type_name == "table[str]":
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if type_name == "table[list[str]]":
        return isinstance(value, dict) and all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value.values()
        )
    if type_name == "matrix":
        return isinstance(value, dict) and (
            _type_ok(value, "table[list[str]]")
            or all(_type_ok(v, "table[str]") for v in value.values())
        )
    if type_name == "table[table[str]]":
        return isinstance(value, dict) and all(_type_ok(v, "table[str]") for v in value.values())
    if type_name == "list[str|int]":
        return isinstance(value, list) and all(
            isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)) for v in value
        )
    if type_name == "list[table]":
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    raise ValueError(f"unknown schema type {type_name}")


def _describe(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    names |= {list: "an array", dict: "a table"}
    if isinstance(value, list) and value:
        odd = next((v for v in value if not isinstance(v, str)), value[0])
        return f"an array holding {_describe(odd)}"
    if isinstance(value, dict) and value:
        odd = next(
            (v for v in value.values() if not isinstance(v, str)), next(iter(value.values()))
        )
        return f"a table holding {_describe(odd)}"
    return names.get(type(value), type(value).__name__)


def check_table(
    table: Mapping[str, Any],
    schema: Schema,
    error: Callable[[str, str], LoadError],
    prefix: str = "",
) -> dict[str, Any]:
    """Validate `table` against `schema`; return it with defaults filled in.

    `error(key_path, message)` builds the LoadError, so callers fix the file and label.
    """
    for key in table:
        if key not in schema:
            raise error(f"{prefix}{key}", f"unknown key{suggest(key, schema)}")
    result: dict[str, Any] = {}
    for key, spec in schema.items():
        path = f"{prefix}{key}"
        if key not in table:
            if spec.required:
                raise error(path, "missing required key")
            result[key] = spec.default
            continue
        value = table[key]
        if not _type_ok(value, spec.type):
            raise error(path, f"expected {TYPE_NAMES[spec.type]}, got {_describe(value)}")
        if spec.type == "list[table]" and spec.table is not None:
            value = [
                check_table(item, spec.table, error, f"{path}[{i}].")
                for i, item in enumerate(value)
            ]
        result[key] = value
    return result


def mapping_proxy(items: dict[str, Any]) -> MappingProxyType[str, Any]:
    """A read-only mapping (how pickle rebuilds one: mappingproxy cannot be pickled itself)."""
    return MappingProxyType(items)


copyreg.pickle(MappingProxyType, lambda proxy: (mapping_proxy, (dict(proxy),)))


def freeze(value: Any) -> Any:
    """Deep-convert lists to tuples and dicts to read-only mappings."""
    if isinstance(value, dict):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value

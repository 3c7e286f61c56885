"""The keys of BUILD.toml tables as data: each key's type, default, doc, choices and what it
names (an input path, a label of a kind of target); strict checking of tables against them;
and typed config classes whose attributes are declared as such keys."""

from __future__ import annotations

import difflib
import enum
import functools
import re
from collections.abc import Callable, Hashable, Mapping
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

import attrs

from graphbuild.core.errors import LoadError
from graphbuild.core.paths import package_path_problem

ARG_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
PLATFORM_RE = re.compile(r"[a-z0-9_]+/[a-z0-9_]+(/[a-z0-9_]+)?\Z")
FIELD = "graphbuild.field"  # the attrs metadata key of a config attribute's Field


def is_str_list(value: Any) -> bool:
    """An array of strings."""
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def is_str_table(value: Any) -> bool:
    """A table of strings."""
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def is_int(value: Any) -> bool:
    """An integer (TOML has no bool-as-int)."""
    return isinstance(value, int) and not isinstance(value, bool)


STRINGS = {"type": "array", "items": {"type": "string"}}
STRING_TABLE = {"type": "object", "additionalProperties": {"type": "string"}}


@attrs.frozen(eq=False)
class TypeSpec:
    """What a value type accepts, how a message names it, and its JSON Schema."""

    noun: str
    accepts: Callable[[Any], bool]
    schema: Mapping[str, Any]


class ValueType(enum.Enum):
    """The TOML value types a key may take (one table: check, message and JSON Schema)."""

    STR = TypeSpec("a string", lambda v: isinstance(v, str), {"type": "string"})
    BOOL = TypeSpec("true or false", lambda v: isinstance(v, bool), {"type": "boolean"})
    INT = TypeSpec("an integer", is_int, {"type": "integer"})
    STR_OR_BOOL = TypeSpec(
        "a string or true/false",
        lambda v: isinstance(v, str | bool),
        {"type": ["string", "boolean"]},
    )
    STR_LIST = TypeSpec("an array of strings", is_str_list, STRINGS)
    STR_OR_INT_LIST = TypeSpec(
        "an array of strings or integers",
        lambda v: isinstance(v, list) and all(isinstance(x, str) or is_int(x) for x in v),
        {"type": "array", "items": {"type": ["string", "integer"]}},
    )
    STR_TABLE = TypeSpec("a table of strings", is_str_table, STRING_TABLE)
    STR_LIST_TABLE = TypeSpec(
        "a table of string arrays",
        lambda v: isinstance(v, dict) and all(is_str_list(x) for x in v.values()),
        {"type": "object", "additionalProperties": STRINGS},
    )
    STR_TABLE_TABLE = TypeSpec(
        "a table of tables of strings",
        lambda v: isinstance(v, dict) and all(is_str_table(x) for x in v.values()),
        {"type": "object", "additionalProperties": STRING_TABLE},
    )
    MATRIX = TypeSpec(
        "a table of value arrays, or a table of named variant tables",
        lambda v: (
            isinstance(v, dict)
            and (
                all(is_str_list(x) for x in v.values()) or all(is_str_table(x) for x in v.values())
            )
        ),
        {"type": "object", "additionalProperties": {"anyOf": [STRINGS, STRING_TABLE]}},
    )
    TABLE_LIST = TypeSpec(
        "an array of tables",
        lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
        {"type": "array", "items": {"type": "object"}},
    )


@attrs.frozen
class Constraint:
    """What a key's value (or each item of a list key) must be besides its type: checked once
    matrix values are in, named in the reference docs."""

    what: str  # the docs' words: "a duration like 30s"
    accepts: Callable[[Any], bool]
    message: str  # the error, a template of {value!r}: "invalid port {value!r}"

    def problem(self, value: Any) -> str | None:
        """The error message for `value`, or None when it is accepted."""
        return None if self.accepts(value) else self.message.format(value=value)


def matches(regex: str, what: str, message: str) -> Constraint:
    """A string (or string item) that matches `regex` whole."""
    pattern = re.compile(regex)
    return Constraint(what, lambda v: pattern.fullmatch(str(v)) is not None, message)


def between(low: int, high: int, message: str) -> Constraint:
    """An integer from `low` to `high`."""
    return Constraint(f"from {low} to {high}", lambda v: low <= v <= high, message)


@attrs.frozen
class MatrixSugar:
    """A rule's list key that stands for a matrix: `versions = [...]` is `matrix = {python =
    [...]}` with `version = "{{python}}"`."""

    list_key: str
    matrix_key: str
    value_key: str


@attrs.frozen
class Field:
    """One allowed key of a table."""

    type: ValueType
    doc: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()  # the values allowed (checked once matrix values are in)
    label_of: tuple[str, ...] = ()  # a label of a target of one of these rules
    or_image: bool = False  # with label_of: an external image (@name) or scratch will do too
    input_paths: bool = False  # package-relative paths of input files (the hash covers them)
    table: Mapping[str, Field] | None = None  # the keys of each table of a TABLE_LIST
    key: str | None = None  # the TOML key, where it is not the attribute's name
    epoch_date: bool = False  # a date a reproducible workspace's SOURCE_DATE_EPOCH derives from
    names_member: bool = False  # the uv workspace member the target builds as a library
    constraint: Constraint | None = None  # what the value (each item of a list) must be

    def names_label(self, value: object) -> bool:
        """True when `value` of this key is meant as a label (not an image or scratch)."""
        if not self.label_of or not isinstance(value, str):
            return False
        return not (self.or_image and (value.startswith("@") or value == "scratch"))


Schema = Mapping[str, Field]
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")  # a date key's value (YYYY-MM-DD)


class RuleKeys(Protocol):
    """What loading needs of a rule: the keys its targets take (rules declare them)."""

    @property
    def name(self) -> str: ...
    @property
    def doc(self) -> str: ...
    @property
    def schema(self) -> Schema: ...
    @property
    def image_default(self) -> bool: ...
    @property
    def matrix_sugar(self) -> MatrixSugar | None: ...


def option(
    type: ValueType,
    doc: str,
    *,
    required: bool = False,
    default: Any = None,
    choices: tuple[str, ...] = (),
    label_of: tuple[str, ...] = (),
    or_image: bool = False,
    input_paths: bool = False,
    table: Mapping[str, Field] | None = None,
    key: str | None = None,
    epoch_date: bool = False,
    names_member: bool = False,
    constraint: Constraint | None = None,
) -> Any:
    """An attribute of a config class that is a key of its BUILD.toml table."""
    spec = Field(
        type, doc, required, default, choices, label_of, or_image, input_paths, table, key,
        epoch_date, names_member, constraint,
    )  # fmt: skip
    return attrs.field(default=freeze(default), metadata={FIELD: spec})


def config_fields(config: type) -> Mapping[str, tuple[str, Field]]:
    """TOML key -> (attribute name, Field) of a config class, in declaration order (computed
    once per class: it is asked for every target of a rule)."""
    return fields_of_class(config)


@functools.cache
def fields_of_class(config: Hashable) -> Mapping[str, tuple[str, Field]]:
    """config_fields, cached (read-only: every caller shares it)."""
    assert isinstance(config, type)
    found = {}
    for attribute in attrs.fields(config):
        spec = attribute.metadata[FIELD]
        found[spec.key or attribute.name] = (attribute.name, spec)
    return MappingProxyType(found)


def config_schema(config: type) -> Mapping[str, Field]:
    """The keys of a config class."""
    return schema_of_class(config)


@functools.cache
def schema_of_class(config: Hashable) -> Mapping[str, Field]:
    """config_schema, cached (read-only: every caller shares it)."""
    assert isinstance(config, type)
    return MappingProxyType({key: spec for key, (_, spec) in config_fields(config).items()})


Config = TypeVar("Config")


def suggest(word: str, choices: Any) -> str:
    """A ' (did you mean "x"?)' suffix naming the closest choice, or ''."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def describe(value: Any) -> str:
    """How a message names the type of a value found in a file."""
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    names |= {list: "an array", dict: "a table"}
    if isinstance(value, list) and value:
        odd = next((v for v in value if not isinstance(v, str)), value[0])
        return f"an array holding {describe(odd)}"
    if isinstance(value, dict) and value:
        odd = next(
            (v for v in value.values() if not isinstance(v, str)), next(iter(value.values()))
        )
        return f"a table holding {describe(odd)}"
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
        if not spec.type.value.accepts(value):
            raise error(path, f"expected {spec.type.value.noun}, got {describe(value)}")
        if spec.type is ValueType.TABLE_LIST and spec.table is not None:
            value = [
                check_table(item, spec.table, error, f"{path}[{i}].")
                for i, item in enumerate(value)
            ]
        result[key] = value
    return result


def input_pattern_problem(pattern: str) -> str | None:
    """What is wrong with an input path or glob (package-relative, never outside the package
    folder), or None."""
    if not pattern:
        return "empty input pattern"
    return package_path_problem(pattern, "input")


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


def freeze(value: Any) -> Any:
    """Deep-convert lists to tuples and dicts to read-only mappings."""
    if isinstance(value, dict):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value

"""A JSON Schema for BUILD.toml, generated from the same key declarations the loader enforces,
for editors (e.g. Taplo's `#:schema` directive) and for checking files outside graphbuild."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphbuild.definition.fields import Key, RuleKeys
from graphbuild.definition.load import COMMON_TARGET_SCHEMA, EXTERNAL_SCHEMA, WORKSPACE_SCHEMA

STRINGS = {"type": "array", "items": {"type": "string"}}
TYPES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "str|bool": {"type": ["string", "boolean"]},
    "list[str]": STRINGS,
    "list[str|int]": {"type": "array", "items": {"type": ["string", "integer"]}},
    "table[str]": {"type": "object", "additionalProperties": {"type": "string"}},
    "table[list[str]]": {"type": "object", "additionalProperties": STRINGS},
    "table[table[str]]": {
        "type": "object",
        "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "matrix": {
        "type": "object",
        "additionalProperties": {
            "anyOf": [
                STRINGS,
                {"type": "object", "additionalProperties": {"type": "string"}},
            ]
        },
    },
}


def key_schema(key: Key) -> dict[str, Any]:
    """The JSON Schema of one declared key."""
    if key.type == "list[table]":
        return {"type": "array", "items": table_schema(key.table or {}, ())}
    return dict(TYPES[key.type])


def table_schema(keys: Mapping[str, Key], extra_required: tuple[str, ...]) -> dict[str, Any]:
    """A closed object: exactly the declared keys, the required ones required."""
    required = sorted({k for k, spec in keys.items() if spec.required} | set(extra_required))
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {k: key_schema(spec) for k, spec in keys.items()},
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def build_toml_schema(rules: Mapping[str, RuleKeys]) -> dict[str, Any]:
    """The schema of any BUILD.toml: [workspace] and [external.*] belong in the root one only."""
    targets = []
    for name, rule in sorted(rules.items()):
        schema = table_schema({**COMMON_TARGET_SCHEMA, **rule.schema}, ())
        schema["properties"]["rule"] = {"const": name}
        schema["title"] = f"a {name} target"
        targets.append(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "graphbuild BUILD.toml",
        "type": "object",
        "properties": {
            "workspace": table_schema(WORKSPACE_SCHEMA, ()),
            "external": {
                "type": "object",
                "additionalProperties": table_schema(EXTERNAL_SCHEMA, ()),
            },
            "target": {"type": "array", "items": {"oneOf": targets}},
        },
        "additionalProperties": False,
    }

"""A JSON Schema for BUILD.toml, generated from the same key declarations the loader enforces
(with each key's doc and choices), for editors (e.g. Taplo's `#:schema` directive) and for
checking files outside graphbuild."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphbuild.definition.fields import Field, RuleKeys, ValueType
from graphbuild.definition.tables import (
    COMMON_TARGET_SCHEMA,
    EXTERNAL_SCHEMA,
    PACKAGE_SCHEMA,
    WORKSPACE_SCHEMA,
)


def key_schema(key: Field) -> dict[str, Any]:
    """The JSON Schema of one declared key."""
    if key.type is ValueType.TABLE_LIST and key.table is not None:
        schema: dict[str, Any] = {"type": "array", "items": table_schema(key.table)}
    else:
        schema = dict(key.type.value.schema)
    schema["description"] = key.doc
    if key.choices:
        schema["enum"] = list(key.choices)
    if key.default not in (None, [], {}):
        schema["default"] = key.default
    return schema


def table_schema(keys: Mapping[str, Field]) -> dict[str, Any]:
    """A closed object: exactly the declared keys, the required ones required."""
    required = sorted(k for k, spec in keys.items() if spec.required)
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
        schema = table_schema({**COMMON_TARGET_SCHEMA, **rule.schema})
        schema["properties"]["rule"] = {"const": name, "description": rule.doc}
        schema["title"] = f"a {name} target"
        targets.append(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "graphbuild BUILD.toml",
        "type": "object",
        "properties": {
            "workspace": table_schema(WORKSPACE_SCHEMA),
            "external": {
                "type": "object",
                "additionalProperties": table_schema(EXTERNAL_SCHEMA),
            },
            "package": table_schema(PACKAGE_SCHEMA),
            "target": {"type": "array", "items": {"oneOf": targets}},
        },
        "additionalProperties": False,
    }

"""The generated JSON Schema: checked in and current, accepts every valid workspace here,
rejects what the loader rejects for unknown keys and wrong types."""

from __future__ import annotations

import json
import tomllib

import jsonschema
import pytest

from graphbuild.definition.json_schema import build_toml_schema
from graphbuild.rules.registry import installed_rules
from tests.support import FIXTURES, REPO, run

SCHEMA_FILE = REPO / "schema/BUILD.toml.schema.json"
VALID = [
    *sorted((REPO / "images").rglob("BUILD.toml")),
    REPO / "BUILD.toml",
    *sorted((FIXTURES / "workspaces").rglob("BUILD.toml")),
]


def test_checked_in_schema_is_current():
    assert json.loads(SCHEMA_FILE.read_text()) == build_toml_schema(installed_rules())
    assert run("schema", cwd=REPO).out == SCHEMA_FILE.read_text()


@pytest.mark.parametrize("path", VALID, ids=[str(p.relative_to(REPO)) for p in VALID])
def test_valid_build_files_validate(path):
    jsonschema.validate(tomllib.loads(path.read_text()), build_toml_schema(installed_rules()))


@pytest.mark.parametrize(
    "case",
    [
        "unknown_key_target", "unknown_key_stage", "wrong_type_steps", "wrong_type_image",
        "unknown_rule", "matrix_wrong_type", "unknown_key_workspace", "rule_refresh_missing",
    ],
)  # fmt: skip
def test_invalid_build_files_are_rejected(case: str):
    data = tomllib.loads((FIXTURES / "invalid" / case / "BUILD.toml").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, build_toml_schema(installed_rules()))

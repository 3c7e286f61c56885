"""Label syntax: parse, print, order."""

from __future__ import annotations

import pytest

from graphbuild.core.errors import LabelError
from graphbuild.core.labels import Label, parse_label


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("//images/api:api", Label("images/api", "api")),
        ("//images/api", Label("images/api", "api")),
        ("//:base", Label("", "base")),
        ("//images/base:python@3.11", Label("images/base", "python", "3.11")),
        ("//images/api:api#builder", Label("images/api", "api", None, "builder")),
        ("//w:worker@3.11,amd64#build-tools", Label("w", "worker", "3.11,amd64", "build-tools")),
    ],
)
def test_parse_absolute(text: str, expected: Label):
    assert parse_label(text) == expected
    if text != "//images/api":
        assert str(expected) == text


def test_relative_label_takes_the_current_package():
    assert parse_label(":api#builder", "images/api") == Label("images/api", "api", None, "builder")


@pytest.mark.parametrize(
    "text",
    [
        "images/api:api",
        "//",
        ":x",
        "//a:B",
        "//a:",
        "//../x:y",
        "//a:x@",
        "//a:x#",
        " //a:x",
        "//a/:x",
    ],
)
def test_invalid_labels_are_rejected(text: str):
    with pytest.raises(LabelError):
        parse_label(text)


def test_relative_label_without_a_package_is_rejected():
    with pytest.raises(LabelError, match="needs a package"):
        parse_label(":api")


def test_order_is_by_printed_form():
    labels = [parse_label(t) for t in ("//b:x", "//a:y#s", "//a:y", "//a:y@1")]
    assert [str(x) for x in sorted(labels)] == ["//a:y", "//a:y#s", "//a:y@1", "//b:x"]


def test_target_of_a_stage_label():
    assert parse_label("//a:y@1#s").target == parse_label("//a:y@1")

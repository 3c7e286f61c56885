"""The tables beside [workspace] and [[target]]: the root's [external.NAME] images and a
package's [package] table."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from graphbuild.core.args import expand, unset, variables
from graphbuild.core.errors import LabelError, LoadError
from graphbuild.core.labels import check_name
from graphbuild.core.model import ExternalImage
from graphbuild.definition.fields import check_table
from graphbuild.definition.references import reference_problem
from graphbuild.definition.tables import EXTERNAL_SCHEMA, PACKAGE_SCHEMA
from graphbuild.definition.toml import table_key_line


def load_externals(
    data: dict[str, Any], error: Callable[[str, str], LoadError], args: Mapping[str, str]
) -> dict[str, ExternalImage]:
    """The [external.NAME] images of the root BUILD.toml, each reference checked; `${NAME}` in
    one is the workspace arg's value (an imported `ARG PY=3.12` + `FROM python:${PY}-slim`)."""
    externals = {}
    tables = data.get("external", {})
    if not isinstance(tables, dict):
        raise error("external", "expected a table of [external.NAME] tables")
    for name, ext in sorted(tables.items()):
        if not isinstance(ext, dict):
            raise error(f"external.{name}", "expected a table with an image key")
        try:
            check_name(name, "external name")
        except LabelError as err:
            raise error(f"external.{name}", err.message) from None
        image = check_table(ext, EXTERNAL_SCHEMA, error, f"external.{name}.")["image"]
        written = image
        if variables(image):
            unknown = unset(image, args)  # `${X:-word}` has a value without X
            if unknown:
                raise error(
                    f"external.{name}.image",
                    f"${{{unknown[0]}}} is not among [workspace] args: add it there (the hash "
                    "needs its value)",
                )
            image = expand(image, args)
        if not image or any(c.isspace() for c in image):
            raise error(f"external.{name}.image", f"invalid image reference {image!r}")
        if (problem := reference_problem(image)) is not None:
            raise error(f"external.{name}.image", f"invalid image reference {image!r}: {problem}")
        externals[name] = ExternalImage(name, image, written if written != image else None)
    return externals


NEWLINE_RE = re.compile(r"[\n\r]")  # a pattern is one line of the emitted ignore file


def package_exclude(table: Any, text: str, file: str) -> tuple[str, ...]:
    """The [package] table's exclude patterns, each checked."""

    def error(key: str, message: str) -> LoadError:
        line = table_key_line(text, key.split("[")[0])
        return LoadError(message, file=file, line=line, key=key)

    if not isinstance(table, dict):
        raise error("package", "expected a table")
    raw = check_table(table, PACKAGE_SCHEMA, error, "package.")
    for i, pattern in enumerate(raw["exclude"]):
        body = pattern.removeprefix("!")
        if not body.strip() or "\\" in body or ".." in body.split("/") or NEWLINE_RE.search(body):
            raise error(
                f"package.exclude[{i}]",
                f"invalid pattern {pattern!r}: a glob relative to the package, '!' to re-include",
            )
    return tuple(raw["exclude"])

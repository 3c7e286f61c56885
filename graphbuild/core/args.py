"""Build-arg substitution in a FROM image as Docker's shell lexer does it: `$NAME`, `${NAME}`,
`${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`, `${NAME+word}`; `\\$` is a literal `$`."""

from __future__ import annotations

import re
from collections.abc import Mapping

from graphbuild.core.errors import GraphbuildError

VARIABLE_RE = re.compile(
    r"\\\$|\$(?:(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+])(?P<word>[^}]*))?\})"
)
AUTOMATIC_ARGS = frozenset(
    f"{side}{part}"
    for side in ("BUILD", "TARGET")
    for part in ("PLATFORM", "OS", "ARCH", "VARIANT")
)  # BuildKit sets these itself: never a workspace arg


def variables(text: str) -> list[str]:
    """The names `text` refers to, in order, without repeats."""
    found = (m.group("bare") or m.group("name") for m in VARIABLE_RE.finditer(text))
    return list(dict.fromkeys(n for n in found if n))


def expand(text: str, values: Mapping[str, str]) -> str:
    """`text` with every reference replaced; GraphbuildError for an unset one without a
    default (Docker would make it empty, which no image reference survives)."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "\\$":
            return "$"
        name = match.group("bare") or match.group("name")
        op, word = match.group("op"), match.group("word") or ""
        value = values.get(name)
        if op is None:
            if value is None:
                raise GraphbuildError(f"${{{name}}} has no value")
            return value
        is_set = value is not None and (value != "" or not op.startswith(":"))
        if op.endswith("-"):
            return value if is_set and value is not None else word
        return word if is_set else ""

    return VARIABLE_RE.sub(replace, text)

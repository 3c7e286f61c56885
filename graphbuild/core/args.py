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


def unset(text: str, values: Mapping[str, str]) -> list[str]:
    """The names `text` refers to without a default word (`$X`, `${X}`) that `values` lacks."""
    found = (
        m.group("bare") or m.group("name")
        for m in VARIABLE_RE.finditer(text)
        if m.group("op") is None and m.group(0) != "\\$"
    )
    return list(dict.fromkeys(n for n in found if n and n not in values))


def expand(text: str, values: Mapping[str, str]) -> str:
    """`text` with every reference replaced; GraphbuildError for an unset one without a
    default (Docker would make it empty, which no image reference survives)."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "\\$":
            return "$"
        name = match.group("bare") or match.group("name")
        if match.group("op") is None and values.get(name) is None:
            raise GraphbuildError(f"${{{name}}} has no value")
        return substitute(match, values)

    return VARIABLE_RE.sub(replace, text)


def shell_word(text: str, values: Mapping[str, str]) -> str:
    """One word as BuildKit's shell lexer reads an ARG default: quotes removed, backslash
    escapes applied (inside double quotes only before `"`, `$` and `\\`), and `$NAME` and
    `${NAME…}` outside single quotes substituted, an unset name being empty."""
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote == "'":
            quote = "" if c == "'" else quote
            out.append("" if c == "'" else c)
        elif c in "'\"" and (not quote or c == quote):
            quote = "" if quote else c
        elif c == "\\":
            nxt = text[i + 1 : i + 2]
            if quote and nxt not in ('"', "$", "\\"):
                out.append(c)
            else:
                out.append(nxt)
                i += 1
        elif c == "$" and (match := VARIABLE_RE.match(text, i)):
            out.append(substitute(match, values))
            i = match.end() - 1
        else:
            out.append(c)
        i += 1
    return "".join(out)


def substitute(match: re.Match[str], values: Mapping[str, str]) -> str:
    """The value of one `$NAME`/`${NAME…}` reference, an unset name being empty."""
    name = match.group("bare") or match.group("name")
    op, word = match.group("op"), shell_word(match.group("word") or "", values)
    value = values.get(name)
    if op is None:
        return value or ""
    is_set = value is not None and (value != "" or not op.startswith(":"))
    if op.endswith("-"):
        return value if is_set and value is not None else word
    return word if is_set else ""

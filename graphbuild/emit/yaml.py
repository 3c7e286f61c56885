"""YAML in block style from plain data, every string a JSON string (JSON's quoting is YAML's
double-quoted style, so no value is ever read back as another type, an anchor or a tag)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.+-]*\Z")


def render_yaml(data: Mapping[str, Any]) -> str:
    """The document: mappings in the order given, lists and scalars."""
    return "".join(f"{line}\n" for line in block(data, 0))


def block(value: Any, indent: int) -> list[str]:
    """The lines of a mapping or a list at `indent`."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = key if PLAIN_KEY.match(key) else json.dumps(key)
            if is_nested(item):
                lines += [f"{pad}{name}:", *block(item, indent + 2)]
            else:
                lines.append(f"{pad}{name}: {scalar(item)}")
        return lines
    for item in value:
        if is_nested(item):
            inner = block(item, indent + 2)
            lines += [f"{pad}- {inner[0].lstrip()}", *inner[1:]]
        else:
            lines.append(f"{pad}- {scalar(item)}")
    return lines


def is_nested(value: Any) -> bool:
    """A non-empty mapping or list: written as a block below its key."""
    return isinstance(value, Mapping | Sequence) and not isinstance(value, str) and len(value) > 0


def scalar(value: Any) -> str:
    """A string, number, boolean, or an empty mapping or list, in flow style."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "{}"
    return "[]"

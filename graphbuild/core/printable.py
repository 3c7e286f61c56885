"""Text for one line of output: file names escaped (a name may hold any byte but a slash and
NUL), long paths of labels shortened."""

from __future__ import annotations

import enum
import os
from collections.abc import Sequence


class ReportFormat(enum.StrEnum):
    """How a list-like answer (lint findings, a query's labels) is printed."""

    TEXT = "text"  # a line each, for people
    JSON = "json"  # one JSON document, for machines


def printable(name: str) -> str:
    """`name` with control characters escaped (`\\n`, `\\x1b`) and bytes that are not UTF-8 shown
    as `\\xff`, so no file name can break a line of output or forge another."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def arrows(head: Sequence[str], skipped: int = 0, tail: Sequence[str] = ()) -> str:
    """`a -> b -> … 992 more … -> y -> z`: a path of labels, `skipped` of them left out
    between its head and its tail."""
    middle = [f"… {skipped} more …"] if skipped else []
    return " -> ".join([*head, *middle, *tail])

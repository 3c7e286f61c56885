"""File names as one printable line: a name may hold any byte but a slash and NUL."""

from __future__ import annotations

import os


def printable(name: str) -> str:
    """`name` with control characters escaped (`\\n`, `\\x1b`) and bytes that are not UTF-8 shown
    as `\\xff`, so no file name can break a line of output or forge another."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)

"""Glob patterns as regular expressions: `**` spans folders, `*` and `?` stay in one, `[...]`
classes as in fnmatch."""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=4096)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a glob: `*`, `?`, `[…]` within one path segment, `**` across segments; a
    pattern naming a folder also matches everything below it."""
    segments = [s for s in pattern.strip("/").split("/") if s not in ("", ".")]
    out = ""
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "**":
            out += ".*" if last else "(?:[^/]+/)*"
            continue
        out += segment_regex(segment) + ("" if last else "/")
    return re.compile(out + "(?:/.*)?\\Z" if out else ".*\\Z", re.DOTALL)  # names hold any byte


def segment_regex(segment: str) -> str:
    """Translate one glob segment (no '/') to a regex fragment."""
    out, i = "", 0
    while i < len(segment):
        c = segment[i]
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[" and (end := class_end(segment, i)) > 0:
            body = segment[i + 1 : end]
            if body.startswith(("!", "^")):
                body = "^" + body[1:]
            out += "[" + body.replace("\\", "\\\\") + "]"
            i = end
        else:
            out += re.escape(c)
        i += 1
    return out


def class_end(segment: str, start: int) -> int:
    """The index of the `]` closing the character class opened at `start`, or -1."""
    j = start + 1
    if segment[j : j + 1] in ("!", "^"):
        j += 1
    if segment[j : j + 1] == "]":
        j += 1
    return segment.find("]", j)

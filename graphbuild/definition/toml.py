"""Reading one BUILD.toml: its text and tables, TOML errors at file:line:column, and the lines
of its targets and keys (for messages)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from graphbuild.core.errors import LoadError
from graphbuild.core.reading import NotRegular
from graphbuild.core.reading import read_text as safe_read_text
from graphbuild.definition.layout import BUILD_FILE

TOML_POSITION_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def parse_toml(text: str, file: str) -> dict[str, Any]:
    """tomllib.loads with errors turned into LoadError at file:line:column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        match = TOML_POSITION_RE.search(message)
        line = column = None
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            message = message[: match.start()]
        raise LoadError(
            f"TOML syntax error: {message}", file=file, line=line, column=column
        ) from None


def target_lines(text: str) -> list[int]:
    """1-based line numbers of the `[[target]]` headers, in order."""
    return [i for i, line in enumerate(text.splitlines(), 1) if line.strip() == "[[target]]"]


KEY_RE = re.compile(r"\s*([A-Za-z0-9_-]+)\s*=")


def key_lines(text: str) -> list[dict[str, int]]:
    """For each `[[target]]` table in order, the first line of each `key = …` in it (its
    sub-tables included; best effort, for messages). One pass over the file: a file of 20,000
    targets must not be split 20,000 times."""
    tables: list[dict[str, int]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() == "[[target]]":
            tables.append({})
        elif tables and (match := KEY_RE.match(line)) is not None:
            tables[-1].setdefault(match.group(1), number)
    return tables


def key_line(text: str, start: int | None, key: str) -> int | None:
    """The line of `key = …` in the table starting at line `start` (best effort, for messages)."""
    if start is None:
        return None
    first = key.split(".")[0].split("[")[0]
    lines = text.splitlines()
    for number in range(start + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped == "[[target]]":
            break
        if re.match(rf"{re.escape(first)}\s*=", stripped):
            return number
    return start


TABLE_HEADER_RE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")


def table_key_line(text: str, path: str) -> int | None:
    """The line of a dotted key path of a plain table (`workspace.cache` is `cache = …` under
    `[workspace]`; `external.x.image` is `image = …` under `[external.x]`), else the table's
    header line, else None (best effort, for messages)."""
    header_line = None
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        table, key = ".".join(parts[:cut]), parts[cut]
        current = None
        for number, line in enumerate(text.splitlines(), 1):
            if match := TABLE_HEADER_RE.match(line):
                current = match.group(1).replace(" ", "")
                if current == table and header_line is None:
                    header_line = number
            elif current == table and re.match(rf"\s*{re.escape(key)}\s*=", line):
                return number
        if header_line is not None:
            return header_line
    return header_line


def read_build_file(root: Path, file: str) -> tuple[str, dict[str, Any]]:
    """The text and the parsed tables of one BUILD.toml."""
    try:
        text = safe_read_text(root / file)
    except UnicodeDecodeError as err:
        raise LoadError(f"not valid UTF-8 (byte {err.start})", file=file) from None
    except (IsADirectoryError, NotRegular):
        raise LoadError(f"{BUILD_FILE} is not a regular file", file=file) from None
    except FileNotFoundError:
        raise LoadError(f"no {BUILD_FILE} at the workspace root", file=file) from None
    except OSError as err:
        raise LoadError(f"cannot read: {err.strerror}", file=file) from None
    return text, parse_toml(text, file)

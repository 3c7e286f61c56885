"""The root BUILD.toml after an import, edited as text so its comments and layout stay: new
externals appended, new args, a raised floor and the default image set in `[workspace]`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from graphbuild.core.errors import GraphbuildError
from graphbuild.definition.toml import TABLE_HEADER_RE
from graphbuild.importer.convert import Imported, externals_toml


def table_span(lines: list[str], name: str) -> tuple[int, int] | None:
    """(header index, end index) of table `name`, or None."""
    start = None
    for i, line in enumerate(lines):
        if start is not None and line.lstrip().startswith("["):  # any header, [[target]] too
            return start, i
        match = TABLE_HEADER_RE.match(line)  # [[arrays]] are not tables
        if match is None:
            continue
        if match.group(1).replace(" ", "") == name:
            start = i
    return (start, len(lines)) if start is not None else None


def key_index(lines: list[str], span: tuple[int, int], key: str) -> int | None:
    """The line of `key = …` inside a table's span, or None."""
    pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
    return next((i for i in range(span[0] + 1, span[1]) if pattern.match(lines[i])), None)


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def edit_root(text: str, imported: Imported, has_default: bool, file: str) -> str:
    """The root BUILD.toml with what the import adds."""
    lines = text.rstrip("\n").split("\n")
    span = table_span(lines, "workspace")
    if span is None:
        raise GraphbuildError("the root BUILD.toml has no [workspace] table", file=file)
    added: list[str] = []
    if imported.floor is not None:
        found = key_index(lines, span, "dockerfile_syntax")
        if found is not None:
            lines[found] = f"dockerfile_syntax = {toml_string(imported.floor)}"
        else:
            added.append(f"dockerfile_syntax = {toml_string(imported.floor)}")
    if imported.check is not None:
        added.append(f"dockerfile_check = {toml_string(imported.check)}")
    if not has_default:
        added.append(f"default = {toml_string(imported.default)}")
    if imported.args:
        added += args_lines(lines, span, imported.args, file)
    lines[span[0] + 1 : span[0] + 1] = added
    return "\n".join(lines) + "\n" + externals_toml(imported.externals)


def args_lines(
    lines: list[str], span: tuple[int, int], args: Mapping[str, str], file: str
) -> list[str]:
    """The lines that declare `args` in [workspace] (a `[workspace.args]` table takes them
    itself: they are inserted there, and nothing is returned)."""
    entries = [f"{name} = {toml_string(value)}" for name, value in sorted(args.items())]
    table = table_span(lines, "workspace.args")
    if table is not None:
        lines[table[0] + 1 : table[0] + 1] = entries
        return []
    if key_index(lines, span, "args") is not None:
        raise GraphbuildError(
            f"[workspace] args is written inline; add {', '.join(entries)} to it yourself and "
            "import again",
            file=file,
            key="workspace.args",
        )
    return [f"args = {{ {', '.join(entries)} }}"]

"""How a workspace member is started, as `graphbuild init` finds it: its own Dockerfile's
CMD/ENTRYPOINT (what the team runs today), its console scripts, or a `__main__` module."""

from __future__ import annotations

import enum
import json
import posixpath
import re
from collections.abc import Callable, Iterable

import attrs

from graphbuild.core.uv import Member

INSTRUCTION_RE = re.compile(r"\s*(CMD|ENTRYPOINT|EXPOSE|FROM)\s+(.*)", re.IGNORECASE)


class Found(enum.Enum):
    """Where the command came from."""

    DOCKERFILE = "dockerfile"
    SCRIPT = "script"
    MAIN = "main"
    NOTHING = "nothing"


@attrs.frozen
class Entry:
    """How an image of the member starts, and the sentence that says where init found it."""

    found: Found
    why: str
    cmd: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    expose: tuple[int, ...] = ()
    others: tuple[str, ...] = ()  # console scripts not chosen


def exec_form(text: str) -> tuple[str, ...]:
    """A CMD/ENTRYPOINT value as an exec-form list (a shell form runs under /bin/sh -c)."""
    text = text.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
    return ("/bin/sh", "-c", text)


def logical_lines(text: str) -> list[str]:
    """A Dockerfile's instructions with `\\` continuations joined and comments dropped."""
    lines, current = [], ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("#") and not current:
            continue
        if raw.rstrip().endswith("\\"):
            current += raw.rstrip()[:-1] + " "
            continue
        lines.append(current + raw)
        current = ""
    return [*lines, current] if current else lines


def dockerfile_entry(path: str, text: str) -> Entry | None:
    """The final stage's CMD, ENTRYPOINT and EXPOSE of a Dockerfile, if it sets a command."""
    cmd = entrypoint = None
    expose: list[int] = []
    for line in logical_lines(text):
        match = INSTRUCTION_RE.match(line)
        if match is None:
            continue
        name, value = match.group(1).upper(), match.group(2)
        if name == "FROM":  # each stage starts afresh; the last one is the image
            cmd, entrypoint, expose = None, None, []
        elif name == "CMD":
            cmd = exec_form(value)
        elif name == "ENTRYPOINT":
            entrypoint = exec_form(value)
        else:
            expose += [int(p) for p in re.findall(r"\b(\d{1,5})(?:/tcp)?\b", value)]
    if cmd is None and entrypoint is None:
        return None
    return Entry(Found.DOCKERFILE, f"its {path}'s command", cmd, entrypoint, tuple(expose))


def find_entry(member: Member, files: Iterable[str], read: Callable[[str], str | None]) -> Entry:
    """How the member starts: its Dockerfile's command, else its console script (the one named
    like the member when there are several), else `python -m` its `__main__` module; an
    Entry with no command (and why) when none is found."""
    prefix = f"{member.path}/" if member.path else ""
    dockerfile = f"{prefix}Dockerfile"
    text = read(dockerfile) if f"{prefix}Dockerfile" in files else None
    found = dockerfile_entry(dockerfile, text) if text else None
    if found is not None:
        return found
    if member.scripts:
        names = sorted(member.scripts)
        folder = posixpath.basename(member.path) if member.path else member.name
        chosen = next((n for n in names if n in (member.name, folder)), names[0])
        others = tuple(n for n in names if n != chosen)
        why = f"its console script {chosen} ({member.scripts[chosen]})"
        return Entry(Found.SCRIPT, why, (chosen,), others=others)
    module = member.name.replace("-", "_")
    mains = [f"{prefix}src/{module}/__main__.py", f"{prefix}{module}/__main__.py"]
    if any(m in files for m in mains):
        return Entry(Found.MAIN, f"its module {module}.__main__", ("python", "-m", module))
    return Entry(Found.NOTHING, "no console script, no __main__ module and no Dockerfile")

"""A Dockerfile as BuildKit's parser reads it: its directives, the ARGs before the first FROM,
and its stages of instructions, each with its line."""

from __future__ import annotations

import re
from typing import Any

import attrs

from graphbuild.core.args import shell_word
from graphbuild.core.errors import LoadError

DIRECTIVE_RE = re.compile(r"#\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(.+?)\s*\Z")  # as BuildKit reads them
DIRECTIVES = ("syntax", "escape", "check")


@attrs.frozen
class Instruction:
    """One instruction: its name (upper-case) and its text as BuildKit joined it (continuations
    removed, comment and empty lines inside dropped, a heredoc's lines kept)."""

    name: str
    text: str
    line: int
    flags: tuple[str, ...]
    value: tuple[str, ...]
    heredocs: int = 0
    json: bool = False


@attrs.frozen
class GlobalArg:
    """An `ARG` before the first FROM: visible to FROM lines and to stages that redeclare it."""

    name: str
    default: str | None
    line: int


@attrs.frozen
class SourceStage:
    """One `FROM` and the instructions up to the next."""

    index: int
    written: str | None  # its `AS name`, as written
    image: str  # the FROM operand, as written
    platform: str | None  # the --platform value, as written
    line: int
    body: tuple[Instruction, ...]


@attrs.frozen
class Directive:
    """A parser directive at the top of the file (`# syntax=…`, `# check=…`)."""

    value: str
    line: int


@attrs.frozen
class Source:
    """The whole Dockerfile."""

    syntax: Directive | None
    check: Directive | None
    args: tuple[GlobalArg, ...]
    stages: tuple[SourceStage, ...]


def directives(text: str, file: str) -> dict[str, Directive]:
    """The parser directives at the top of the file, by key; `# escape=` other than a
    backslash is refused."""
    found: dict[str, Directive] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = DIRECTIVE_RE.match(line.strip())
        if not match or match.group(1).lower() not in DIRECTIVES:
            break
        key, value = match.group(1).lower(), match.group(2)
        found[key] = Directive(value, number)
        if key == "escape" and value != "\\":
            raise LoadError(
                f"escape={value} (a Windows Dockerfile's escape character) is not supported: "
                "write the file with backslash continuations",
                file=file,
                line=number,
            )
    return found


def arg_words(words: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """(name, default as written) of each word of an ARG instruction."""
    found = []
    for word in words:
        name, eq, default = word.partition("=")
        found.append((name, default if eq else None))
    return found


def global_args(step: Instruction, before: list[GlobalArg]) -> list[GlobalArg]:
    """The ARGs one instruction before the first FROM declares, each default as BuildKit
    reads it: quotes and escapes removed, the ARGs declared before it substituted."""
    values = {a.name: a.default for a in before if a.default is not None}
    found = []
    for name, written in arg_words(step.value):
        default = None if written is None else shell_word(written, values)
        if default is not None:
            values[name] = default
        found.append(GlobalArg(name, default, step.line))
    return found


def instruction(command: Any) -> Instruction:
    """An Instruction from the parser's Command."""
    name = command.cmd.upper()
    text = command.original
    text = name + text[len(command.cmd) :]
    if command.heredocs:
        text = text.rstrip("\n")
    return Instruction(
        name=name,
        text=text,
        line=command.start_line,
        flags=tuple(command.flags),
        value=tuple(command.value),
        heredocs=len(command.heredocs),
        json=bool(command.json),
    )


def read_dockerfile(text: str, file: str) -> Source:
    """Parse `text` with the BuildKit parser into a Source."""
    try:
        import dockerfile  # the BuildKit parser: an optional dependency, needed only here
    except ImportError:
        raise LoadError(
            "graphbuild import needs the BuildKit parser: pip install 'graphbuild[import]'"
        ) from None
    found = directives(text, file)
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as err:
        raise LoadError(f"the Dockerfile does not parse: {err}", file=file) from None
    args: list[GlobalArg] = []
    stages: list[dict[str, Any]] = []
    for command in commands:
        step = instruction(command)
        if step.name == "FROM":
            stages.append(from_line(step, len(stages), file))
        elif not stages and step.name == "ARG":
            args += global_args(step, args)
        elif not stages:
            raise LoadError(
                f"{step.name} before the first FROM: only ARG may stand there (move it into "
                "a stage)",
                file=file,
                line=step.line,
            )
        else:
            stages[-1]["body"].append(step)
    if not stages:
        raise LoadError("the Dockerfile has no FROM", file=file)
    return Source(
        found.get("syntax"),
        found.get("check"),
        tuple(args),
        tuple(SourceStage(**{**s, "body": tuple(s["body"])}) for s in stages),
    )


def from_line(step: Instruction, index: int, file: str) -> dict[str, Any]:
    """The fields of one FROM line (refused when it is not `FROM [--platform=P] IMAGE [AS N]`)."""
    platform = None
    for flag in step.flags:
        name, _, value = flag.partition("=")
        if name != "--platform":
            raise LoadError(
                f"FROM {flag}: unknown flag (FROM takes --platform only)", file=file, line=step.line
            )
        platform = value
    words = list(step.value)
    if len(words) == 3 and words[1].upper() == "AS":
        written: str | None = words[2]
    elif len(words) == 1:
        written = None
    else:
        raise LoadError("FROM takes one image and an optional `AS name`", file=file, line=step.line)
    return {
        "index": index,
        "written": written,
        "image": words[0],
        "platform": platform,
        "line": step.line,
        "body": [],
    }


def dockerignore_patterns(text: str) -> list[str]:
    """The patterns of a .dockerignore, in order (comments and blank lines dropped)."""
    found = []
    for line in text.splitlines():
        pattern = line.strip()
        if pattern and not pattern.startswith("#"):
            found.append(pattern)
    return found

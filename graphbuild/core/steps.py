"""Parse one Dockerfile instruction into literal text, stage references and context sources."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from graphbuild.core.errors import GraphbuildError, LoadError
from graphbuild.core.labels import join, parse_label
from graphbuild.core.model import SCRATCH, ImageRef, Part, Ref, Src, StageRef, Step
from graphbuild.core.paths import package_path_problem

INSTRUCTIONS = frozenset(
    [
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "HEALTHCHECK",
        "LABEL",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    ]
)
REJECTED = {
    "FROM": "a stage's parent is its 'from' key, not a step",
    "ONBUILD": "it runs in images built on this one, outside the graph, so it cannot be hashed",
    "MAINTAINER": "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=…",
}
KNOWN_FLAGS = {
    "RUN": ("mount", "network", "security"),
    "COPY": ("from", "chown", "chmod", "link", "exclude", "parents"),
    "ADD": ("chown", "chmod", "link", "checksum", "keep-git-dir", "exclude"),
}
URL_RE = re.compile(r"(https?://|git@|git://)")
ErrorFn = Callable[[str], LoadError]
FLAG_RE = re.compile(r"--([a-z-]+)(?:=(\S*))?\Z")
# `RUN [flags] <<EOF`, `<<-EOF`, `<<"EOF"` or `<<'EOF'` (then the script, then the delimiter)
HEREDOC_RE = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
HEREDOC_INSTRUCTIONS = ("RUN", "COPY")  # COPY <<EOF dest writes the text as a file
HEREDOC = "heredoc"  # the pseudo-flag a RUN heredoc step carries, for the syntax floor


# What BuildKit reads as the start of a heredoc on a RUN/COPY/ADD line: a word `<<WORD`,
# `<<-WORD`, `<<"WORD"` or `N<<WORD` (checked against its parser: `a<<b`, `"<<EOF"`, `<< EOF`
# and `<<<` are not)
HEREDOC_WORD_RE = re.compile(r"(?:^|\s)\d*<<-?([\"']?)[A-Za-z_][A-Za-z0-9_]*\1")
QUOTED_RE = re.compile(r"'[^']*'|\"(?:\\.|[^\"\\])*\"|\\.")


def starts_heredoc(line: str) -> bool:
    """Whether BuildKit would take this one line for the start of a heredoc (and read the
    lines after it, the next steps, as its text)."""
    quoted = [m.span() for m in QUOTED_RE.finditer(line)]
    return any(
        not any(start <= m.start(0) < end for start, end in quoted)
        for m in HEREDOC_WORD_RE.finditer(line)
    )


def heredoc_problem(text: str) -> str | None:
    """What keeps a multi-line step from being one RUN heredoc, or None: one `<<WORD` on the
    first line, WORD alone on the last line and on no line between, so nothing after the
    script can become an instruction of its own."""
    lines = text.split("\n")
    first = lines[0]
    if "\r" in text:
        return "a step must not hold carriage returns"
    instruction = first.split(None, 1)[0].upper() if first.strip() else ""
    if instruction not in HEREDOC_INSTRUCTIONS and HEREDOC_RE.search(first):
        return (
            f"only RUN and COPY take a heredoc in a step ({instruction} <<… is not supported): "
            "put the file in the package and COPY it"
        )
    if instruction not in HEREDOC_INSTRUCTIONS:
        return "a step is one line: line breaks would start a new Dockerfile instruction"
    markers = HEREDOC_RE.findall(first)
    if len(markers) != 1:
        return (
            f"a step is one line, or one {instruction} heredoc ({instruction} <<EOF, the text, "
            f"EOF): "
            + (
                "several heredocs on its first line (write one step per heredoc)"
                if markers
                else "no <<WORD on its first line"
            )
        )
    strip_tabs, _, word = markers[0]
    body = [line.lstrip("\t") if strip_tabs else line for line in lines[1:]]
    if not body or body[-1] != word or word in body[:-1]:
        return (
            f"a {instruction} heredoc ends with its delimiter {word!r} alone on its last line, "
            "and only there: nothing after it may become an instruction"
        )
    return None


def parse_step(
    text: str, package: str, *, file: str, label: str, key: str, line: int | None = None
) -> Step:
    """Parse `text` (one instruction, one line) from a stage of `package`."""

    def error(message: str) -> LoadError:
        return LoadError(message, file=file, line=line, label=label, key=key)

    if not isinstance(text, str) or not text.strip():
        raise error("empty step")
    heredoc = "\n" in text or "\r" in text
    if heredoc and (problem := heredoc_problem(text.strip())) is not None:
        raise error(problem)
    if not heredoc and joins_next_line(text):
        raise error("a step must not end with '\\': it would join the next Dockerfile line")
    words = text.strip().split(None, 1)
    instruction = words[0].upper()
    rest = words[1] if len(words) > 1 else ""
    if instruction in REJECTED:
        raise error(f"{instruction} is not allowed in steps: {REJECTED[instruction]}")
    if instruction not in INSTRUCTIONS:
        raise error(f"unknown Dockerfile instruction {words[0]!r}")
    if not heredoc and instruction in ("COPY", "ADD", "RUN") and starts_heredoc(rest):
        raise error(
            "a <<WORD in a one-line step starts a heredoc: BuildKit would read the steps after"
            " it as its text; write a heredoc step (RUN <<EOF, the text, EOF) or quote it"
        )
    if instruction not in ("COPY", "ADD", "RUN"):
        return Step(instruction, (f"{instruction} {rest}".rstrip(),), key)
    flags, body = split_flags(rest)
    for name, _ in flags:
        if name not in KNOWN_FLAGS[instruction]:
            known = ", ".join(f"--{f}" for f in KNOWN_FLAGS[instruction])
            raise error(f"unknown {instruction} flag --{name} (known: {known})")
    names = tuple(name for name, _ in flags) + ((HEREDOC,) if heredoc else ())
    parts: list[Part] = [instruction]
    copy_from = None
    for name, value in flags:
        parts.append(" ")
        if name == "from" and instruction in ("COPY", "ADD"):
            copy_from = parse_ref(value, package, error)
            parts += ["--from=", copy_from]
        elif name == "mount" and instruction == "RUN":
            parts += mount_parts(value or "", package, error)
        else:
            parts.append(f"--{name}" if value is None else f"--{name}={value}")
    if instruction == "RUN" or heredoc:  # a COPY heredoc copies its own text: no sources
        if body:
            parts += [" ", body]
        return Step(instruction, tuple(parts), key, names)
    parts += copy_args(instruction, body, copy_from is not None, error)
    return Step(instruction, tuple(parts), key, names)


def split_flags(rest: str) -> tuple[list[tuple[str, str | None]], str]:
    """Leading `--name[=value]` flags and the remaining text."""
    flags = []
    while rest.startswith("--"):
        word, _, tail = rest.partition(" ")
        match = FLAG_RE.match(word)
        if not match:
            break
        flags.append((match.group(1), match.group(2)))
        rest = tail.lstrip()
    return flags, rest


def parse_ref(value: str | None, package: str, error: ErrorFn) -> Ref:
    """A `--from=` value: a label (`//pkg:name`, `:name`) or an external image (`@name`)."""
    if not value:
        raise error("--from needs a value")
    if value.startswith("@"):
        return ImageRef(value[1:])
    if value.startswith(("//", ":")):
        try:
            return StageRef(parse_label(value, package))
        except GraphbuildError as err:
            raise error(err.message) from None
    raise error(
        f"--from={value}: name a stage by label (//package:name, :name) or an external image "
        "declared in [external] (@name), so the dependency is hashed"
    )


def parse_parent(value: str, package: str, error: ErrorFn) -> Ref:
    """A stage's `from`: a label, `@external`, or `scratch`."""
    if value == "scratch":
        return SCRATCH
    if not value.startswith(("@", "//", ":")):
        raise error(
            f"{value!r} is neither a label (//package:name, :name), an external image declared "
            "in [external] (@name) nor 'scratch'"
        )
    return parse_ref(value, package, error)


def mount_parts(value: str, package: str, error: ErrorFn) -> list[Part]:
    """A RUN --mount=… flag, with `from=` as a reference and a context bind `source=` as a Src."""
    fields = [f.partition("=") for f in value.split(",")] if value else []
    options = {k: v for k, _, v in fields}
    mount_type = options.get("type", "bind")
    reads_context = mount_type == "bind" and "from" not in options
    parts: list[Part] = ["--mount="]
    for i, (k, eq, v) in enumerate(fields):
        parts.append("," if i else "")
        if k == "from":
            parts += ["from=", parse_ref(v, package, error)]
        elif k in ("source", "src") and reads_context:
            parts += [f"{k}=", Src(context_path(v, error))]
        else:
            parts.append(f"{k}{eq}{v}")
    if reads_context and not ({"source", "src"} & options.keys()):
        raise error("a bind mount from the build context needs source=PATH (a declared input)")
    return parts


def copy_args(instruction: str, body: str, from_stage: bool, error: ErrorFn) -> list[Part]:
    """Sources and destination of COPY/ADD; context sources become Src parts."""
    quoted = body.startswith("[")
    if quoted:
        try:
            args = json.loads(body)
        except json.JSONDecodeError:
            raise error(f"{instruction}: invalid JSON array {body!r}") from None
        if not all(isinstance(a, str) for a in args):
            raise error(f"{instruction}: the JSON array must hold strings")
    else:
        args = body.split()
    if len(args) < 2:
        raise error(f"{instruction} needs at least one source and a destination")
    parts: list[Part] = [" [" if quoted else " "]
    for i, arg in enumerate(args):
        if i:
            parts.append(", " if quoted else " ")
        is_source = i < len(args) - 1
        if is_source and not from_stage and not URL_RE.match(arg):
            parts.append(Src(context_path(arg, error), quoted=quoted))
        else:
            parts.append(json.dumps(arg) if quoted else arg)
    if quoted:
        parts.append("]")
    return parts


def context_path(path: str, error: ErrorFn) -> str:
    """Normalise a package-relative context path; reject ones that escape the package."""
    if not path:
        raise error("empty source path")
    if (problem := package_path_problem(path, "source")) is not None:
        raise error(problem)
    segments = [s for s in path.split("/") if s not in ("", ".")]
    if '"' in path or "$" in path:
        raise error(f"source {path!r}: quotes and '$' are not allowed in context paths")
    normal = "/".join(segments) or "."
    return normal + "/" if path.endswith("/") and normal != "." else normal


def render_step(step: Step, package: str, ref_text) -> str:
    """The instruction text, references rendered by `ref_text(ref)`, sources made
    workspace-relative (the build context is the workspace root)."""
    out = []
    for part in step.parts:
        if isinstance(part, Ref):
            out.append(ref_text(part))
        elif isinstance(part, Src):
            path = part.path if part.generated else join(package, part.path)
            out.append(json.dumps(path) if part.quoted else path)
        else:
            out.append(part)
    return "".join(out)


def used_args(step: Step, names) -> set[str]:
    """Which of `names` the step refers to as $NAME or ${NAME…}."""
    text = "".join(p for p in step.parts if isinstance(p, str))
    return {n for n in names if re.search(rf"\$(?:{n}\b|\{{{n}[}}:])", text)}


def declared_args(step: Step) -> set[str]:
    """The names an `ARG` step declares (`ARG A B=1` -> {A, B}); none for other steps."""
    if step.instruction != "ARG":
        return set()
    text = "".join(p for p in step.parts if isinstance(p, str))
    return {word.split("=", 1)[0] for word in text.split()[1:]}


def joins_next_line(text: str) -> bool:
    """Whether BuildKit reads the line as continued: it ends with one backslash, not two or
    more (`\\\\` at the end is text, as BuildKit's parser and Docker 26 read it)."""
    stripped = text.rstrip(" \t")
    return stripped.endswith("\\") and not stripped.endswith("\\\\")


def defaulted_args(step: Step) -> set[str]:
    """The names an `ARG` step gives a default of its own (`ARG A B=1` -> {B})."""
    if step.instruction != "ARG":
        return set()
    text = "".join(p for p in step.parts if isinstance(p, str))
    return {word.split("=", 1)[0] for word in text.split()[1:] if "=" in word}

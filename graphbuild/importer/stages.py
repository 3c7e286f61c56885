"""The stages of an imported Dockerfile as [[target.stage]] tables: names, labels for stage
references, externals for images, inputs for context sources, each step checked where it stands
in the Dockerfile (a refusal names its line)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from graphbuild.core.args import AUTOMATIC_ARGS, expand, unset, variables
from graphbuild.core.errors import GraphbuildError, LoadError
from graphbuild.core.features import LABS_ONLY
from graphbuild.core.model import FromPlatform, Step
from graphbuild.core.steps import URL_RE, parse_step
from graphbuild.definition.fields import PLATFORM_RE
from graphbuild.importer.source import Instruction, Source, SourceStage, arg_words
from graphbuild.tree.patterns import glob_regex

LABS_INSTEAD = {  # what to write instead of a labs-only flag
    "parents": "write one COPY per folder, naming its destination",
    "security": "drop --security=insecure (it needs an entitlement the bake file never grants)",
}
NAME_UNSAFE = re.compile(r"[^a-z0-9_.-]+")
PLATFORM_VARIABLES = {  # `$BUILDPLATFORM` and `${BUILDPLATFORM}` -> "build", likewise TARGET
    written: platform.value
    for platform in FromPlatform
    for name in (f"{platform.value.upper()}PLATFORM",)
    for written in (f"${name}", f"${{{name}}}")
}


@attrs.frozen
class RootFacts:
    """What the root BUILD.toml declares already."""

    externals: Mapping[str, str]  # name -> image as written
    args: Mapping[str, str]
    floor: str
    check: str | None = None


def safe_name(text: str) -> str:
    """A valid target/stage/external name from arbitrary text."""
    name = NAME_UNSAFE.sub("-", text.lower()).strip("-._") or "stage"  # an image name ends alnum
    return name if name[0].isalnum() else f"s{name}"


def external_name(image: str, taken: Mapping[str, str]) -> str:
    """A short, unique external name for an image reference (`python:3.12-slim` -> `python`)."""
    base = safe_name(image.split("@")[0].rsplit("/", 1)[-1].split(":")[0].split("$")[0])
    for candidate in (base, *(f"{base}-{n}" for n in range(2, 100))):
        if candidate not in taken:
            return candidate
    raise LoadError(f"too many external images named like {image}")


class Importer:
    """The state of one import: names given so far, what the root must gain."""

    def __init__(
        self,
        source: Source,
        file: str,
        package: str,
        target: str,
        root: RootFacts,
        git_sent: bool = False,
    ):
        self.source = source
        self.git_sent = git_sent  # the context folder holds a .git its ignore file lets through
        self.file = file  # the Dockerfile, as refusals name it
        self.package = package
        self.target = target
        self.root = root
        self.externals: dict[str, str] = dict(root.externals)
        self.new_args: dict[str, str] = {}
        self.defaults = {a.name: a.default for a in source.args if a.default is not None}
        self.global_lines = {a.name: a.line for a in source.args}
        self.origins: dict[str, int] = {}
        self.steps: list[Step] = []
        self.local = [self.local_name(s) for s in source.stages]
        self.by_name = {s.written.lower(): s.index for s in source.stages if s.written}

    def fail(self, line: int | None, message: str) -> LoadError:
        """A refusal at the Dockerfile's line."""
        return LoadError(message, file=self.file, line=line)

    def local_name(self, stage: SourceStage) -> str:
        """The stage's name in the BUILD.toml: its own (lowercased), else stage-N."""
        name = safe_name(stage.written) if stage.written else f"stage-{stage.index}"
        return f"{name}-stage" if name == self.target else name

    def stage_index(self, name: str, before: int) -> int | None:
        """The index of the stage a FROM/--from names (by name or number), if it is one."""
        if name.lower() in self.by_name:
            index = self.by_name[name.lower()]
        elif name.isdigit():
            index = int(name)
        else:
            return None
        return index if index < before else None

    def used(self) -> set[int]:
        """The stages another stage is built on or reads from."""
        found = set()
        for stage in self.source.stages:
            parent = self.stage_index(self.expanded(stage.image, stage.line), stage.index)
            if parent is not None:
                found.add(parent)
            for step in stage.body:
                for source in reads_from(step):
                    if (index := self.stage_index(source, stage.index)) is not None:
                        found.add(index)
        return found

    def expanded(self, image: str, line: int) -> str:
        """A FROM operand with the global ARGs' defaults substituted."""
        names = variables(image)
        for name in names:
            if name in AUTOMATIC_ARGS:
                raise self.fail(
                    line,
                    f"FROM {image}: ${name} makes the base depend on the platform being built; "
                    "write one target per platform with its base, or FROM --platform=… instead",
                )
        for name in unset(image, self.defaults):
            declared = "has no default" if name in self.global_lines else "is not declared"
            raise self.fail(
                line,
                f"FROM {image}: ${name} {declared} before the first FROM; give it one "
                f"(ARG {name}=value): graphbuild hashes the base it names",
            )
        try:
            return expand(image, self.defaults)
        except GraphbuildError as err:
            raise self.fail(line, f"FROM {image}: {err.message}") from None

    def use_arg(self, name: str, line: int) -> None:
        """Make the global ARG `name` a workspace arg with its default."""
        value = self.defaults[name]
        have = self.root.args.get(name)
        if have is not None and have != value:
            raise self.fail(
                self.global_lines[name],
                f"ARG {name}={value}: the workspace's args.{name} is {have!r}; import into a "
                f"workspace where it is {value!r}, or rename the ARG",
            )
        if have is None:
            self.new_args[name] = value

    def ref(self, name: str, before: int, line: int) -> str:
        """A FROM or --from operand as a label, `@external` or `scratch`."""
        index = self.stage_index(name, before)
        if index is not None:
            return f":{self.target}#{self.local[index]}"
        if name.lower() == "scratch":
            return "scratch"
        for variable in variables(name):
            if variable in self.defaults:  # else a `${X:-word}` of an ARG without a default
                self.use_arg(variable, line)
        for existing, image in self.externals.items():
            if image == name:
                return f"@{existing}"
        external = external_name(expand(name, self.defaults), self.externals)
        self.externals[external] = name
        return f"@{external}"

    def platform(self, stage: SourceStage) -> str | None:
        """The stage's `platform` key from its FROM --platform."""
        if stage.platform is None:
            return None
        if stage.platform in PLATFORM_VARIABLES:
            return PLATFORM_VARIABLES[stage.platform]
        if PLATFORM_RE.match(stage.platform):
            return stage.platform
        raise self.fail(
            stage.line,
            f"FROM --platform={stage.platform}: write $BUILDPLATFORM (a stage built natively "
            "on the build host), $TARGETPLATFORM or one os/arch",
        )

    def stage_table(self, stage: SourceStage, label: str, key: str) -> dict[str, Any]:
        """The [[target.stage]] table of one stage."""
        image = self.expanded(stage.image, stage.line)
        parent_index = self.stage_index(image, stage.index)
        table: dict[str, Any] = {
            "from": self.ref(
                image if parent_index is not None else stage.image, stage.index, stage.line
            )
        }
        self.origins[f"{label} {key}.from"] = stage.line
        if (platform := self.platform(stage)) is not None:
            table["platform"] = platform
        inputs: dict[str, int] = {}
        steps: list[str] = []
        for step in stage.body:
            text, sources = self.step_text(step, stage.index)
            self.steps.append(
                parse_step(text, self.package, file=self.file, label="", key="", line=step.line)
            )
            for source in sources:
                inputs.setdefault(input_pattern(source), step.line)
            self.origins[f"{label} {key}.steps[{len(steps)}]"] = step.line
            steps.append(text)
        if inputs:
            table["inputs"] = sorted(inputs)
            for i, pattern in enumerate(table["inputs"]):
                self.origins[f"{label} {key}.inputs[{i}]"] = inputs[pattern]
        table["steps"] = steps
        return table

    def step_text(self, step: Instruction, index: int) -> tuple[str, list[str]]:
        """The step as the BUILD.toml holds it (stage names as labels, a context bind mount's
        source written out) and the build-context sources it reads."""
        if step.name == "ONBUILD":
            raise self.fail(
                step.line,
                "ONBUILD is not supported: it runs in the images built FROM this one, outside "
                "the graph; write its instruction into the stages that build on this image",
            )
        if step.heredocs and (step.heredocs > 1 or step.name not in ("RUN", "COPY")):
            raise self.fail(
                step.line,
                f"{step.name} with {step.heredocs} heredoc(s) is not supported: write one RUN or "
                "COPY per heredoc, or put the file in the package and COPY it",
            )
        for flag in step.flags:
            name = flag.removeprefix("--").partition("=")[0]
            if (step.name, name) in LABS_ONLY:
                raise self.fail(
                    step.line,
                    f"{step.name} --{name} exists only in the labs Dockerfile frontend, which "
                    f"graphbuild does not emit: {LABS_INSTEAD[name]}",
                )
        text, sources = step.text, []
        if step.name == "ARG":
            for name, default in arg_words(step.value):
                if default is None and name in self.defaults:
                    self.use_arg(name, step.line)  # takes the global's value, as in Docker
        for flag in step.flags:
            new = flag
            if any("$" in name for name in reads_from_flag(flag)):
                raise self.fail(
                    step.line,
                    f"{step.name} {flag}: a variable here is not supported; name the stage or "
                    "image itself",
                )
            if flag.startswith("--from="):
                new = "--from=" + self.ref(flag[7:], index, step.line)
            elif flag.startswith("--mount="):
                new, source = self.mount(flag, index, step.line)
                if source is not None:
                    sources.append(source)
            text = text.replace(flag, new, 1)
        copies = step.name in ("COPY", "ADD") and not step.heredocs
        if copies and not any(f.startswith("--from=") for f in step.flags):
            sources += [v for v in step.value[:-1] if not URL_RE.match(v)]
        for source in sources:
            self.check_source(step, source)
        self.check_git(step, sources)
        return text, sources

    def check_git(self, step: Instruction, sources: list[str]) -> None:
        """Refuse a source that would have sent the context's .git: graphbuild never sends
        it, so the image would differ from Docker's."""
        if not self.git_sent:
            return
        sent = [s for s in sources if glob_regex(input_pattern(s)).match(".git")]
        if sent:
            raise self.fail(
                step.line,
                f"{step.name} source {sent[0]!r} sends the folder's .git to the builder (no line "
                "of its .dockerignore leaves it out), which graphbuild never does: add .git to "
                "the .dockerignore (Docker's image then matches) and import again",
            )

    def check_source(self, step: Instruction, source: str) -> None:
        """A build-context source graphbuild can hash: a path in the context, no variable."""
        if "$" in source:
            raise self.fail(
                step.line,
                f"{step.name} source {source!r}: a variable in a source path is not supported; "
                "write the path itself (graphbuild hashes the files a step reads)",
            )
        if source.startswith("/") or ".." in source.split("/"):
            raise self.fail(
                step.line,
                f"{step.name} source {source!r} is outside the build context "
                f"({self.package or '.'}/); import with --package naming the folder that was "
                "Docker's context",
            )

    def mount(self, flag: str, index: int, line: int) -> tuple[str, str | None]:
        """A RUN --mount flag with `from=` as a label, and the context source a bind reads
        (written out as `source=.` when the mount leaves it implicit)."""
        fields = [f.partition("=") for f in flag[len("--mount=") :].split(",")]
        options = {k: v for k, _, v in fields}
        if "from" in options:
            label = self.ref(options["from"], index, line)
            rebuilt = [(k, e, label if k == "from" else v) for k, e, v in fields]
            return "--mount=" + ",".join(k + e + v for k, e, v in rebuilt), None
        if options.get("type", "bind") != "bind":
            return flag, None
        source = options.get("source", options.get("src"))
        if source is None:
            return flag + ",source=.", "."
        return flag, source


def reads_from_flag(flag: str) -> list[str]:
    """The stage or image a --from or --mount flag's from= names."""
    if flag.startswith("--from="):
        return [flag[7:]]
    if flag.startswith("--mount="):
        return re.findall(r"(?:^|,)from=([^,]+)", flag[8:])
    return []


def reads_from(step: Instruction) -> list[str]:
    """The stage names (or numbers) an instruction's --from and --mount from= name."""
    return [name for flag in step.flags for name in reads_from_flag(flag)]


def input_pattern(source: str) -> str:
    """A COPY source as an input pattern relative to the package."""
    path = source.strip()
    while path.startswith("./"):
        path = path[2:]
    if path in ("", ".", "./"):
        return "**"
    return path if "*" in path else path.rstrip("/")

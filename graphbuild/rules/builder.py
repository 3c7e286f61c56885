"""StageBuilder: how a rule makes a stage. Steps are built as data (the references and build
context sources they hold, the flags they carry), not written as Dockerfile text to parse
back; each step names the config key that made it, for rebuild reasons."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Self

import attrs

from graphbuild.core.errors import LoadError
from graphbuild.core.labels import Label
from graphbuild.core.model import Generated, Part, Settings, Src, Stage, Step, Target
from graphbuild.core.steps import ErrorFn, context_path, mount_parts, parse_parent, parse_ref
from graphbuild.definition.fields import input_pattern_problem

LITERAL = ("ENV", "WORKDIR", "USER", "EXPOSE", "CMD", "ENTRYPOINT", "HEALTHCHECK", "LABEL")


@attrs.define
class StageBuilder:
    """A stage of `target` under construction: its name (None: the target's own), its parent
    (a label, @external or scratch, as written), steps, input patterns."""

    target: Target
    name: str | None
    parent: str
    steps: list[Step] = attrs.field(factory=list)
    inputs: list[str] = attrs.field(factory=list)
    generated: list[Generated] = attrs.field(factory=list)

    @property
    def label(self) -> Label:
        """The stage's label."""
        name = None if self.name in (None, self.target.label.name) else self.name
        return self.target.label.with_stage(name)

    def error(self, key: str, message: str) -> LoadError:
        """An error about this stage at config key `key`."""
        target = self.target
        return LoadError(
            message, file=target.file, line=target.line, label=str(self.label), key=key
        )

    def line(self, key: str, text: str) -> str:
        """`text`, checked to stay on one Dockerfile line."""
        if "\n" in text or "\r" in text or text.rstrip().endswith("\\"):
            raise self.error(key, f"a step must be one Dockerfile line: {text!r}")
        return text

    def run(self, key: str, command: str, mounts: Sequence[str] = ()) -> Self:
        """RUN `command`, with `--mount=` flags (their values, e.g. 'type=cache,target=/x')."""
        parts: list[Part] = ["RUN"]
        for mount in mounts:
            parts += [" ", *mount_parts(self.line(key, mount), self.package, self.raiser(key))]
        parts += [" ", self.line(key, command)]
        self.steps.append(Step("RUN", tuple(parts), key, ("mount",) * len(mounts)))
        return self

    def copy(self, key: str, sources: Iterable[str], destination: str) -> Self:
        """COPY files of the build context (package-relative; declare them as inputs too)."""
        parts: list[Part] = ["COPY"]
        for source in sources:
            parts += [" ", Src(context_path(self.line(key, source), self.raiser(key)))]
        parts += [" ", self.line(key, destination)]
        self.steps.append(Step("COPY", tuple(parts), key))
        return self

    def copy_generated(self, key: str, file: Generated, destination: str) -> Self:
        """COPY a file graphbuild writes (workspace-relative); the hash covers its text."""
        self.generated.append(file)
        parts = ("COPY", " ", Src(file.path, generated=True), " ", self.line(key, destination))
        self.steps.append(Step("COPY", parts, key))
        return self

    def copy_from(self, key: str, stage: str, source: str, destination: str) -> Self:
        """COPY --from= another stage (a label)."""
        ref = parse_ref(stage, self.package, self.raiser(key))
        parts = ("COPY", " ", "--from=", ref, " ", self.line(key, source), " ", destination)
        self.steps.append(Step("COPY", parts, key, ("from",)))
        return self

    def instruction(self, key: str, name: str, text: str) -> Self:
        """One instruction that reads nothing from the context or another stage (ENV, USER…)."""
        if name not in LITERAL:
            raise ValueError(f"{name} is not a literal instruction; use run, copy or copy_from")
        self.steps.append(Step(name, (f"{name} {self.line(key, text)}".rstrip(),), key))
        return self

    def env(self, key: str, values: Mapping[str, str]) -> Self:
        """ENV with each value double-quoted."""
        words = (f"{name}={quoted(value)}" for name, value in sorted(values.items()))
        return self.instruction(key, "ENV", " ".join(words))

    @property
    def package(self) -> str:
        """The package the stage belongs to (context paths are relative to it)."""
        return self.target.label.package

    def raiser(self, key: str) -> ErrorFn:
        """An error function for core.steps' parsers."""
        return lambda message: self.error(key, message)

    def build(self, settings: Settings) -> Stage:
        """The frozen Stage."""
        parent = parse_parent(self.parent, self.package, self.raiser("from"))
        inputs = tuple(dict.fromkeys(self.inputs))
        for i, pattern in enumerate(inputs):
            if (problem := input_pattern_problem(pattern)) is not None:
                raise self.error(f"inputs[{i}]", problem)
        return Stage(
            label=self.label,
            file=self.target.file,
            key="",
            parent=parent,
            steps=tuple(self.steps),
            inputs=inputs,
            args=(),
            platforms=settings.platforms,
            line=self.target.line,
            generated=tuple(self.generated),
        )


def quoted(value: str) -> str:
    """A value as a double-quoted Dockerfile word."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

"""How an image runs, read from the config instructions of its stage and the stages it is built
FROM, as the engine would set them: CMD, ENTRYPOINT, USER, WORKDIR, EXPOSE and HEALTHCHECK."""

from __future__ import annotations

import json

import attrs

from graphbuild.core.labels import Label
from graphbuild.core.model import Stage
from graphbuild.graph.link import Graph

HEALTH_FLAGS = {  # HEALTHCHECK flag -> compose healthcheck key
    "interval": "interval",
    "timeout": "timeout",
    "start-period": "start_period",
    "start-interval": "start_interval",
    "retries": "retries",
}


@attrs.frozen
class HealthCheck:
    """A HEALTHCHECK in compose's terms: the test (`CMD …`, `CMD-SHELL …` or `NONE`), options."""

    test: tuple[str, ...]
    options: tuple[tuple[str, str], ...] = ()  # compose key -> value, in flag order


@attrs.frozen
class ImageConfig:
    """The run config an image's instructions give it (None: not set by graphbuild's stages;
    an external base may still set it)."""

    entrypoint: tuple[str, ...] | None = None
    command: tuple[str, ...] | None = None
    user: str | None = None
    workdir: str | None = None
    ports: tuple[str, ...] = ()
    healthcheck: HealthCheck | None = None

    @property
    def runs(self) -> bool:
        """Whether the image says what it runs: a service, not a base."""
        return self.command is not None or self.entrypoint is not None


def chain(graph: Graph, stage: Label) -> list[Stage]:
    """The stage and the stages it is built FROM, the farthest first."""
    found: list[Stage] = []
    label: Label | None = stage
    while label is not None:
        found.append(graph.stages[label])
        label = graph.resolve(graph.stages[label].parent)
    return found[::-1]


def image_config(graph: Graph, stage: Label) -> ImageConfig:
    """The config `stage`'s image ends up with (a later instruction overrides an earlier one;
    an ENTRYPOINT resets a CMD set before it in an earlier stage, as the engine does)."""
    config = ImageConfig()
    for item in chain(graph, stage):
        cmd_here = False
        for step in item.steps:
            text = "".join(p for p in step.parts if isinstance(p, str))
            argument = text.split(None, 1)[1].strip() if len(text.split(None, 1)) > 1 else ""
            match step.instruction.upper():
                case "CMD":
                    config, cmd_here = attrs.evolve(config, command=exec_form(argument)), True
                case "ENTRYPOINT":
                    command = config.command if cmd_here else None
                    config = attrs.evolve(config, entrypoint=exec_form(argument), command=command)
                case "USER":
                    config = attrs.evolve(config, user=argument)
                case "WORKDIR":
                    config = attrs.evolve(config, workdir=argument)
                case "EXPOSE":
                    config = attrs.evolve(config, ports=config.ports + tuple(argument.split()))
                case "HEALTHCHECK":
                    config = attrs.evolve(config, healthcheck=health_check(argument))
    return config


def exec_form(text: str) -> tuple[str, ...]:
    """The argv of a CMD or ENTRYPOINT: its JSON array, or the shell form run by /bin/sh -c."""
    if text.startswith("["):
        try:
            words = json.loads(text)
        except ValueError:
            words = None
        if isinstance(words, list) and all(isinstance(w, str) for w in words):
            return tuple(words)
    return ("/bin/sh", "-c", text)


def health_check(text: str) -> HealthCheck:
    """A HEALTHCHECK instruction's argument in compose's terms."""
    options: list[tuple[str, str]] = []
    rest = text
    while rest.startswith("--"):
        flag, _, rest = rest.partition(" ")
        name, _, value = flag[2:].partition("=")
        if name in HEALTH_FLAGS:
            options.append((HEALTH_FLAGS[name], value))
        rest = rest.lstrip()
    word, _, command = rest.partition(" ")
    if word.upper() == "NONE":
        return HealthCheck(("NONE",))
    command = command.strip()
    words = exec_form(command)
    if words[:2] == ("/bin/sh", "-c") and not command.startswith("["):
        return HealthCheck(("CMD-SHELL", command), tuple(options))
    return HealthCheck(("CMD", *words), tuple(options))

"""Building blocks the Python rules share: stage assembly, apt and pip steps, cache mounts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from graphbuild.core.errors import GraphbuildError, LoadError
from graphbuild.core.labels import parse_label
from graphbuild.core.model import Settings, Stage, Target
from graphbuild.rules.builtin.stages import make_stage

APT_CACHE = (
    "--mount=type=cache,target=/var/cache/apt,sharing=locked "
    "--mount=type=cache,target=/var/lib/apt/lists,sharing=locked"
)
PIP_CACHE = "--mount=type=cache,target=/root/.cache/pip"
PIP_NETRC_SECRET = "--mount=type=secret,id=pip-netrc,target=/root/.netrc"
VENV = "/opt/venv"


@attrs.define
class StageSpec:
    """A stage under construction: parent, steps (each with the key that made it), inputs."""

    name: str | None
    parent: str
    steps: list[tuple[str, str]] = attrs.field(factory=list)
    inputs: list[str] = attrs.field(factory=list)
    args: dict[str, str] = attrs.field(factory=dict)

    def add(self, key: str, *texts: str) -> StageSpec:
        """Append steps made by config key `key`."""
        self.steps += [(text, key) for text in texts]
        return self

    def build(self, target: Target, settings: Settings) -> Stage:
        """The frozen Stage."""
        table: dict[str, Any] = {
            "from": self.parent,
            "steps": [text for text, _ in self.steps],
            "inputs": list(dict.fromkeys(self.inputs)),
            "args": self.args,
        }
        keys = [key for _, key in self.steps]
        return make_stage(target, settings, self.name, table, "", step_keys=keys)


def apt_install(packages: Iterable[str]) -> str:
    """One apt-get install with no recommends and the apt caches mounted (nothing left behind)."""
    names = " ".join(sorted(set(packages)))
    return f"RUN {APT_CACHE} apt-get update && apt-get install -y --no-install-recommends {names}"


def pip_flags(index_url: str | None) -> str:
    """pip options for a private index (credentials come from the pip-netrc build secret)."""
    return f" --index-url {index_url}" if index_url else ""


def pip_mounts(index_url: str | None) -> str:
    """Cache mount for pip, plus the netrc secret when a private index is used."""
    return f"{PIP_CACHE} {PIP_NETRC_SECRET}" if index_url else PIP_CACHE


def check_label(target: Target, key: str, value: str) -> str:
    """`value` must be a label; returned as written (the graph resolves it)."""
    try:
        parse_label(value, target.label.package)
    except GraphbuildError as err:
        raise LoadError.at(target, key, err.message) from None
    return value


def stage_label(value: str, target: Target, stage: str) -> str:
    """The label of stage `stage` of the target `value` names (`//pkg:x@v` -> `//pkg:x@v#stage`)."""
    return str(parse_label(value, target.label.package).with_stage(stage))


def check_packages(target: Target, key: str, packages: Iterable[str]) -> list[str]:
    """Debian package names: no spaces or shell characters."""
    names = list(packages)
    for name in names:
        if not name or not all(c.isalnum() or c in "+-.:=~" for c in name):
            raise LoadError.at(target, key, f"invalid package name {name!r}")
    return names

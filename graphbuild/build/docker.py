"""Turn the bake file into builds: `docker buildx bake` where buildx exists, else one
`docker build` per bake target, in dependency order (the plan half; running is in `runner`)."""

from __future__ import annotations

import enum
import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from graphbuild.core.errors import BuildError
from graphbuild.core.labels import Label
from graphbuild.emit.bake import bake_name
from graphbuild.graph.link import Graph, image_dependencies

DOCKER_ENV = "GRAPHBUILD_DOCKER"
VARIABLE_RE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class JobKind(enum.Enum):
    """What one build job runs."""

    IMAGE = "one `docker build` of one image"
    BAKE = "one `docker buildx bake` of every wanted image"


@attrs.frozen
class Job:
    """One build job: its name (a bake target's), the label it shows, the command, the jobs
    it waits for, and every image it builds."""

    kind: JobKind
    name: str
    label: Label
    argv: tuple[str, ...]
    needs: tuple[str, ...] = ()
    builds: tuple[Label, ...] = ()


def find_docker(explicit: str | None) -> str:
    """The docker CLI: --docker, then $GRAPHBUILD_DOCKER, then /usr/bin/docker, then PATH."""
    for candidate in (
        explicit,
        os.environ.get(DOCKER_ENV),
        "/usr/bin/docker",
        shutil.which("docker"),
    ):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise BuildError("no docker CLI found (give --docker PATH or set GRAPHBUILD_DOCKER)")


def has_buildx(docker: str) -> bool:
    """True when `docker buildx` answers."""
    try:
        result = subprocess.run([docker, "buildx", "version"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Bake's `${VAR}` interpolation and `$${` escape, for running a bake file without bake."""
    return VARIABLE_RE.sub(lambda m: variables.get(m.group(1), ""), value).replace("$${", "${")


def bake_variables(document: Mapping[str, object], environ: Mapping[str, str]) -> dict[str, str]:
    """Each declared variable: the environment's value, else its default (as bake does)."""
    declared = document.get("variable", {})
    assert isinstance(declared, dict)
    return {name: environ.get(name, spec.get("default", "")) for name, spec in declared.items()}


def build_command(
    docker: str, target: Mapping[str, Any], variables: Mapping[str, str]
) -> tuple[str, ...]:
    """`docker build` arguments equivalent to one bake target."""

    def text(value: object) -> str:
        return interpolate(str(value), variables)

    argv = [docker, "build", "--progress=plain", "--target", text(target["target"])]
    for tag in target.get("tags", []):
        argv += ["--tag", text(tag)]
    for key, value in sorted(dict(target.get("labels", {})).items()):
        argv += ["--label", f"{key}={text(value)}"]
    for key, value in sorted(dict(target.get("args", {})).items()):
        argv += ["--build-arg", f"{key}={text(value)}"]
    platforms = list(target.get("platforms", []))
    if len(platforms) > 1:
        raise BuildError(
            f"bake target {target['target']} builds {len(platforms)} platforms: that needs buildx"
        )
    if platforms:
        argv += ["--platform", text(platforms[0])]
    for source in target.get("cache-from", []):
        argv += ["--cache-from", text(source)]
    context = text(target.get("context", "."))
    argv += ["--file", os.path.join(context, text(target["dockerfile"])), context]
    return tuple(argv)


def plan_jobs(
    graph: Graph,
    bake_text: str,
    wanted: Sequence[Label],
    docker: str,
    environ: Mapping[str, str],
) -> list[Job]:
    """One Job per wanted image, each waiting for the wanted images it is built on."""
    document = json.loads(bake_text)
    variables = bake_variables(document, environ)
    names = {t.label: bake_name(t.image or "") for t in graph.images}
    needs = image_dependencies(graph, wanted)
    jobs = []
    for label in wanted:
        name = names[label]
        target = document["target"][name]
        jobs.append(
            Job(
                JobKind.IMAGE,
                name,
                label,
                build_command(docker, target, variables),
                tuple(names[n] for n in needs[label]),
                (label,),
            )
        )
    return jobs


def bake_command(docker: str, bake_files: Sequence[str], names: Sequence[str]) -> tuple[str, ...]:
    """`docker buildx bake` for the wanted targets."""
    argv = [docker, "buildx", "bake", "--progress=plain"]
    for path in bake_files:
        argv += ["--file", path]
    return (*argv, "--load", *names)

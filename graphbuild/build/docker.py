"""Turn the bake file into build jobs: one `docker buildx bake` (the `bake` driver), or one
`docker build` per bake target in dependency order (the `docker-build` driver, for engines
without buildx). The plan half; running is in `runner` and `bake_run`."""

from __future__ import annotations

import enum
import json
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from graphbuild.core.errors import BuildError
from graphbuild.core.labels import Label
from graphbuild.emit.bake import bake_name
from graphbuild.graph.link import Graph, image_dependencies

VARIABLE_RE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# A registry's transient failure, as a push or bake log shows it (POSIX ERE and Python re
# alike), and the seconds waited before each try again.
REGISTRY_5XX = "5[0-9][0-9] (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)"
RETRY_PAUSES = (2, 8)
# `docker push` of each tag ("$@"; the CLI is $0), tried again after each pause when the
# registry answered 5xx (any other failure ends it at once).
PUSH_SCRIPT = f"""transient='{REGISTRY_5XX}'
for tag in "$@"; do
  for pause in {" ".join(map(str, RETRY_PAUSES))} last; do
    out=$("$0" push "$tag" 2>&1) && {{ printf '%s\\n' "$out"; continue 2; }}
    printf '%s\\n' "$out"
    if [ "$pause" = last ] || ! printf '%s' "$out" | grep -Eq "$transient"; then exit 1; fi
    echo "push of $tag: the registry answered 5xx; again in ${{pause}}s"
    sleep "$pause"
  done
done"""


class JobKind(enum.Enum):
    """What one build job runs."""

    IMAGE = "one `docker build` of one image"
    BAKE = "one `docker buildx bake` of every wanted image"
    PUSH = "one `docker push` of an image's tags"
    MERGE = "one `docker buildx imagetools create` of an image's platforms into its index"


@attrs.frozen
class Job:
    """One build job: its name (a bake target's), the label it shows, the command, the jobs
    it waits for, every image it builds (with their bake target names, for a bake job), and
    the file (relative to the workspace root) the engine writes the built image's digest to."""

    kind: JobKind
    name: str
    label: Label
    argv: tuple[str, ...]
    needs: tuple[str, ...] = ()
    builds: tuple[Label, ...] = ()
    targets: tuple[str, ...] = ()
    metadata: Path | None = None
    environ: tuple[tuple[str, str], ...] = ()  # set for this job alone (DOCKER_CONTEXT)


def engine_has(docker: str, tags: list[str]) -> set[str] | None:
    """Which of `tags` the engine's image store holds; None when it does not answer. One
    `docker image inspect` of just these (a 0.1 s call where `docker image ls` of a
    containerd store with 300 images took 3.6 s)."""
    if not tags:
        return set()
    argv = [docker, "image", "inspect", "--format", "{{json .RepoTags}}", *tags]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    missing = result.stderr.count("No such image")
    if result.returncode != 0 and not missing:
        return None  # the daemon did not answer
    found: set[str] = set()
    for line in result.stdout.splitlines():
        try:
            found.update(json.loads(line) or ())
        except (ValueError, TypeError):
            return None
    return found & set(tags)


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Bake's `${VAR}` interpolation and `$${` escape, for running a bake file without bake."""
    return VARIABLE_RE.sub(lambda m: variables.get(m.group(1), ""), value).replace("$${", "${")


def bake_variables(document: Mapping[str, object], environ: Mapping[str, str]) -> dict[str, str]:
    """Each declared variable: the environment's value, else its default (as bake does)."""
    declared = document.get("variable", {})
    assert isinstance(declared, dict)
    return {name: environ.get(name, spec.get("default", "")) for name, spec in declared.items()}


def build_command(
    docker: str,
    target: Mapping[str, Any],
    variables: Mapping[str, str],
    iidfile: Path,
    buildx: bool,
) -> tuple[str, ...]:
    """`docker build` arguments equivalent to one bake target (`--cache-to`, `--annotation`
    and `--attest` only where `docker build` is buildx's)."""

    def text(value: object) -> str:
        return interpolate(str(value), variables)

    argv = [docker, "build", "--progress=plain", "--target", text(target["target"])]
    local = [str(o) for o in target.get("output", []) if str(o).startswith("type=local,")]
    if not local:  # the local exporter makes no image: docker build refuses an --iidfile
        argv += ["--iidfile", str(iidfile)]
    for tag in target.get("tags", []):
        argv += ["--tag", text(tag)]
    for key, value in sorted(dict(target.get("labels", {})).items()):
        argv += ["--label", f"{key}={text(value)}"]
    for key, value in sorted(dict(target.get("args", {})).items()):
        argv += ["--build-arg", f"{key}={text(value)}"]
    platforms = list(target.get("platforms", []))
    if len(platforms) > 1 and not buildx:
        raise BuildError(
            f"bake target {target['target']} builds {len(platforms)} platforms: that needs buildx"
        )
    if platforms:  # buildx's docker build takes a list; the 20.10 builder one platform
        argv += ["--platform", ",".join(text(p) for p in platforms)]
    for source in target.get("cache-from", []):
        argv += ["--cache-from", text(source)]
    if buildx:  # the 20.10 builder has none of these
        for destination in target.get("cache-to", []):
            argv += ["--cache-to", text(destination)]
        for annotation in target.get("annotations", []):
            argv += ["--annotation", text(annotation)]
        for attestation in target.get("attest", []):
            argv += ["--attest", text(attestation)]
        for output in target.get("output", []):  # a test target's cacheonly, or --oci
            if str(output) not in local:
                argv += ["--output", text(output)]
    for output in local:  # test reports: BuildKit's local exporter, which any builder has
        argv += ["--output", text(output)]
    context = text(target.get("context", "."))
    argv += ["--file", os.path.join(context, text(target["dockerfile"])), context]
    return tuple(argv)


@attrs.frozen
class Request:
    """What a build asks of the engine, whatever the driver; `outputs` is the folder, relative
    to the workspace root the engine runs in, where it writes what it built."""

    docker: str
    buildx: bool
    push: bool
    load: bool
    outputs: Path
    oci: Path | None = None  # export each image to oci/<target>.tar instead (reproducible)

    def oci_output(self, name: str) -> str:
        """The --output of bake target `name` exported as an OCI layout tarball."""
        assert self.oci is not None
        return f"type=oci,dest={self.oci / name}.tar,rewrite-timestamp=true"


def image_job(
    document: Mapping[str, Any],
    variables: Mapping[str, str],
    name: str,
    label: Label,
    request: Request,
    needs: tuple[str, ...] = (),
) -> Job:
    """The `docker build` job of bake target `name` (with --oci, its output an OCI layout)."""
    target = document["target"][name]
    if request.oci is not None:
        target = {**target, "output": [request.oci_output(name)]}
    iidfile = request.outputs / f"{name}.iid"
    argv = build_command(request.docker, target, variables, iidfile, request.buildx)
    return Job(JobKind.IMAGE, name, label, argv, needs, (label,), (name,), iidfile)


def docker_build_jobs(
    graph: Graph,
    bake_text: str,
    wanted: Sequence[Label],
    request: Request,
    environ: Mapping[str, str],
) -> list[Job]:
    """One Job per wanted image, each waiting for the wanted images it is built on, and with
    --push one push job per image after its build."""
    document = json.loads(bake_text)
    variables = bake_variables(document, environ)
    names = {t.label: bake_name(t.image or "") for t in graph.images}
    needs = image_dependencies(graph, wanted)
    jobs = []
    for label in wanted:
        name = names[label]
        depends = tuple(names[n] for n in needs[label])
        jobs.append(image_job(document, variables, name, label, request, depends))
        if request.push:
            tags = [
                interpolate(str(t), variables) for t in document["target"][name].get("tags", [])
            ]
            push = ("sh", "-c", PUSH_SCRIPT, request.docker, *tags)
            jobs.append(Job(JobKind.PUSH, f"{name}.push", label, push, (name,)))
    return jobs


def bake_job(bake_files: Sequence[str], names: Mapping[Label, str], request: Request,
             wanted: Sequence[Label]) -> Job:  # fmt: skip
    """The one `docker buildx bake` job that builds every wanted image."""
    argv = [request.docker, "buildx", "bake", "--progress=plain"]
    for path in bake_files:
        argv += ["--file", path]
    metadata = request.outputs / "bake-metadata.json"
    argv += ["--metadata-file", str(metadata)]
    targets = tuple(names[label] for label in wanted)
    if request.oci is not None:
        for name in targets:
            argv += ["--set", f"{name}.output={request.oci_output(name)}"]
    if request.load:
        argv.append("--load")
    if request.push:
        argv.append("--push")
    return Job(JobKind.BAKE, "bake", wanted[0], (*argv, *targets), (), tuple(wanted), targets,
               metadata)  # fmt: skip


def docker_build_test_jobs(
    bake_text: str, tests: Mapping[Label, str], request: Request, environ: Mapping[str, str]
) -> list[Job]:
    """One `docker build` per test target (they make no image and wait for nothing)."""
    document = json.loads(bake_text)
    variables = bake_variables(document, environ)
    return [image_job(document, variables, name, label, request) for label, name in tests.items()]


def stage_users(
    graph: Graph, stage_names: Mapping[Label, str], built: Mapping[Label, str]
) -> dict[str, frozenset[str]]:
    """Emitted stage name -> the bake targets built on it (`built`: the stage each bake target
    builds -> the target's name)."""
    users: dict[str, set[str]] = {}
    for output, target in built.items():
        for stage in {output, *graph.built_from(output)}:
            if stage in stage_names:
                users.setdefault(stage_names[stage], set()).add(target)
    return {name: frozenset(targets) for name, targets in users.items()}

"""Every base image has every platform the stages on it are built for. An amd64-only base
built with --platform linux/arm64 "succeeds" with an image whose config says arm64 and whose
binaries are x86_64, so `build` refuses a missing platform up front, one line per base, naming
what it has; `lint` reports it (GB105) and `plan` warns of it where a platform other than this
machine's is wanted."""

from __future__ import annotations

import json
import platform as host
import re
import subprocess
from collections.abc import Callable, Iterable, Mapping

from graphbuild.core.errors import LoadError
from graphbuild.core.labels import Label
from graphbuild.core.model import ImageRef
from graphbuild.definition.layout import BUILD_FILE
from graphbuild.definition.lock_slice import MACHINES
from graphbuild.graph.link import Graph

# (image, the platforms wanted of it) -> the platforms it has (None: the engine cannot tell)
Probe = Callable[[str, set[str]], frozenset[str] | None]


def needed_platforms(graph: Graph, images: Iterable[Label]) -> dict[str, set[str]]:
    """[external.NAME] -> the platforms the wanted images' stages built on it are built for."""
    needed: dict[str, set[str]] = {}
    outputs = {graph.outputs[image] for image in images}
    built = outputs | graph.built_from(*outputs)  # and all their ancestors, in one walk
    for label in built:
        stage = graph.stages[label]
        for ref in stage.deps:
            if isinstance(ref, ImageRef):
                needed.setdefault(ref.name, set()).update(stage.platforms)
    return needed


ARCHES = {machine: arch for arch, machine in MACHINES.items()} | {"arm64": "arm64"}  # macOS


def host_platform() -> str:
    """This machine's platform, as os/arch."""
    machine = host.machine().lower()
    return f"linux/{ARCHES.get(machine, machine)}"


def beyond_host(needed: Mapping[str, set[str]]) -> bool:
    """Whether any base is wanted for a platform other than this machine's (only then does a
    base held here for this machine alone tell nothing: the engine is asked)."""
    here = host_platform()
    return any(normal(p) != here for platforms in needed.values() for p in platforms)


def normal(platform: str) -> str:
    """`os/arch`, with the variant only where it tells two builds apart (arm/v6, arm/v7)."""
    parts = platform.split("/")
    if len(parts) == 3 and parts[1] != "arm":
        return "/".join(parts[:2])
    return platform


def missing_platforms(
    needed: Mapping[str, set[str]], images: Mapping[str, str], probe: Probe
) -> list[LoadError]:
    """One error per base that lacks a platform its stages are built for (`images`: NAME -> the
    image reference); bases whose platforms the engine cannot tell are left alone."""
    problems = []
    for name in sorted(needed):
        wanted = {normal(p) for p in needed[name]}
        has = probe(images[name], wanted)
        if has is None:
            continue
        lacking = sorted(wanted - {normal(p) for p in has})
        if lacking:
            message = (
                f"{images[name]} has no {', '.join(lacking)}: it has "
                f"{', '.join(sorted(has)) or 'no platform'} (build for what it has, or use an "
                "image that has them)"
            )
            problems.append(LoadError(message, file=BUILD_FILE, key=f"external.{name}"))
    return problems


def engine_platforms(docker: str) -> Probe:
    """What the engine knows of an image's platforms: its image store's (which shows one,
    the host's, even of a multi-platform image) joined with the registry's manifest list where
    the registry answers; None when neither does."""

    def probe(image: str, wanted: set[str]) -> frozenset[str] | None:
        local = run([docker, "image", "inspect", "--format", LOCAL_FORMAT, image])
        if local is not None and not all(PLATFORM_RE.match(x) for x in local.split()):
            local = None  # not an answer about platforms: count it as no answer
        held = {normal(line) for line in (local or "").split()}
        if wanted <= held:  # the usual case: the host's platform, held: no registry asked
            return frozenset(held)
        remote = registry_platforms(
            run([docker, "buildx", "imagetools", "inspect", "--format", REMOTE_FORMAT, image])
        )
        if local is None and remote is None:
            return None
        return frozenset(held | {normal(p) for p in remote or ()})

    return probe


def registry_platforms(manifest_json: str | None) -> set[str] | None:
    """The platforms of a manifest list (attestations left out); None for anything else."""
    try:
        manifest = json.loads(manifest_json or "")
    except ValueError:
        return None
    entries = manifest.get("manifests") if isinstance(manifest, dict) else None
    found = set()
    for entry in entries or []:
        platform = entry.get("platform") if isinstance(entry, dict) else None
        if isinstance(platform, dict) and platform.get("os") not in (None, "unknown"):
            parts = (platform.get("os"), platform.get("architecture"), platform.get("variant"))
            found.add("/".join(p for p in parts if p))
    return found or None


PLATFORM_RE = re.compile(r"[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?\Z")
LOCAL_FORMAT = "{{.Os}}/{{.Architecture}}{{if .Variant}}/{{.Variant}}{{end}}"
REMOTE_FORMAT = "{{json .Manifest}}"


def run(argv: list[str]) -> str | None:
    """The command's output, None when it fails or cannot run."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def foreign_platforms(graph: Graph) -> bool:
    """Whether any image is built on a base for a platform other than this machine's (then
    plan and lint ask the engine about the bases)."""
    return beyond_host(needed_platforms(graph, [t.label for t in graph.images]))


def platform_problems(
    graph: Graph, images: Iterable[Label], docker: str | None, always: bool = True
) -> list[LoadError]:
    """One error per base of `images` that lacks a platform they are built for, asked of the
    engine behind `docker` (none without one); unless `always`, only where a platform other
    than this machine's is wanted (plan and lint stay off the engine otherwise)."""
    needed = needed_platforms(graph, images)
    if docker is None or not (always or beyond_host(needed)):
        return []
    references = {name: e.image for name, e in graph.workspace.externals.items()}
    return missing_platforms(needed, references, engine_platforms(docker))

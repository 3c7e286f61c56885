"""The `docker buildx bake` file (JSON) that builds every image from the one Dockerfile.

Written attributes, as the buildx bake file reference defines them (JSON form, the same
names as HCL): `variable.NAME.default`; `group.NAME.targets`; per target `context` (relative
to where bake runs: the workspace root), `dockerfile` (relative to the context), `target`
(the stage), `tags`, `labels`, `args`, `platforms`, `cache-from`, `cache-to` (from
`[workspace] cache`, then `cache_from`/`cache_to`), `annotations` (the OCI labels again, on
the image manifest), `attest` (the provenance attestation). Every value we
did not write ourselves has `${` escaped as `$${`, since bake interpolates `${…}` in JSON too.

The `rebuild` group depends on a baseline (the lock before this emit, or a git ref), not on
the tree, so it lives in a separate override file merged with `-f … -f …`: the main bake file
stays a pure function of the workspace and `emit --check` stays meaningful.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from graphbuild.core.errors import EmitError
from graphbuild.core.labels import Label
from graphbuild.core.model import CacheBackend, Provenance, Target
from graphbuild.graph.link import Graph, image_relatives
from graphbuild.hashing.stages import Hashes, own_defaults, short_hash, stage_args

REVISION_VARIABLE = "GRAPHBUILD_REVISION"
REPORTS_DIR = ".graphbuild/test-reports"  # where report targets export to
OCI = "org.opencontainers."  # the labels that are annotations too
BAKE_NAME_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]+")


def escape(value: str) -> str:
    """A literal value for bake, which would otherwise interpolate `${…}`."""
    return value.replace("${", "$${")


def bake_name(text: str) -> str:
    """A bake target or group name (`^[a-zA-Z0-9_-]+$`) derived from an image name or value."""
    return BAKE_NAME_UNSAFE.sub("-", text).strip("-") or "image"


def image_repository(registry: str | None, image: str) -> str:
    """`{registry}/{image}`, or the image alone without a registry."""
    return f"{registry.rstrip('/')}/{image}" if registry else image


def image_ref(registry: str | None, image: str, digest: str) -> str:
    """`{registry}/{image}:{first 12 hex of the hash}`."""
    return f"{image_repository(registry, image)}:{short_hash(digest)}"


def image_args(graph: Graph, target: Target) -> dict[str, str]:
    """The workspace args any stage of the image uses, unescaped (stage-level args stay ARG
    defaults), less those a stage of it gives a default of its own: a bake arg would override
    that default, which the same Dockerfile built without --build-arg never does."""
    workspace_args = dict(graph.workspace.settings.args)
    if not workspace_args:
        return {}
    output = graph.outputs[target.label]
    used: set[str] = set()
    defaulted: set[str] = set()
    for label in {output, *graph.built_from(output)}:
        stage = graph.stages[label]
        own = dict(stage.args)
        used |= {n for n in stage_args(stage, workspace_args) if n not in own}
        defaulted |= own_defaults(stage)
    return {n: workspace_args[n] for n in sorted(used - defaulted)}


def bake_targets(
    graph: Graph, hashes: Hashes, names: Mapping[Label, str], in_git: bool
) -> dict[str, dict[str, Any]]:
    """Bake target name -> attributes, one per image target."""
    relatives = image_relatives(graph, [t.label for t in graph.images])
    settings = graph.workspace.settings
    targets: dict[str, dict[str, Any]] = {}
    owners: dict[str, Target] = {}
    for target in graph.images:
        assert target.image is not None
        name = bake_name(target.image)
        if name in owners:
            raise EmitError.at(
                target,
                "image",
                f"bake target name {name!r} is also derived from {owners[name].label}: "
                "give one of them another image name",
            )
        owners[name] = target
        digest = hashes.targets[target.label]
        labels = {
            "org.opencontainers.image.title": escape(target.image),
            "dev.graphbuild.hash": digest,
            "dev.graphbuild.label": escape(str(target.label)),
        }
        if settings.source:
            labels["org.opencontainers.image.source"] = escape(settings.source)
        if in_git:
            labels["org.opencontainers.image.revision"] = "${" + REVISION_VARIABLE + "}"
        substitutions = {
            "{registry}": settings.registry or "",
            "{image}": target.image,
            "{target}": name,
        }
        bases = [bake_name(graph.targets[b].image or "") for b in relatives[target.label]]
        cache_from, cache_to = shared_cache(settings.cache, settings.registry, name, bases)
        targets[name] = {
            "annotations": [f"{k}={v}" for k, v in sorted(labels.items()) if k.startswith(OCI)],
            "attest": attestations(settings.provenance),
            "context": ".",
            "dockerfile": escape(settings.dockerfile),
            "target": names[graph.outputs[target.label]],
            "tags": [escape(image_ref(settings.registry, target.image, digest))],
            "labels": dict(sorted(labels.items())),
            "args": {k: escape(v) for k, v in image_args(graph, target).items()},
            "platforms": [escape(p) for p in hashes.stages[graph.outputs[target.label]].platforms],
            "cache-from": cache_from
            + [escape(fill(c, substitutions)) for c in settings.cache_from],
            "cache-to": cache_to + [escape(fill(c, substitutions)) for c in settings.cache_to],
        }
    return targets


def attestations(provenance: Provenance) -> list[str]:
    """The bake `attest` entries for `[workspace] provenance`."""
    if provenance is Provenance.NONE:
        return []
    return [f"type=provenance,mode={provenance.value}"]


def shared_cache(
    backend: CacheBackend, registry: str | None, name: str, bases: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The cache-from and cache-to entries of bake target `name` for `[workspace] cache`: every
    machine imports what any other exported (mode=max: the builder stages' layers too), and an
    image imports the caches of the images whose stages it is built on (`bases`: image_relatives),
    so a CI job that builds it on a fresh machine starts from the layers those jobs exported."""
    if backend is CacheBackend.REGISTRY:
        assert registry is not None  # the loader checked
        refs = [
            f"type=registry,ref={escape(registry.rstrip('/'))}/cache:{n}" for n in (name, *bases)
        ]
        return refs, [f"{refs[0]},mode=max"]
    if backend is CacheBackend.GHA:
        scopes = [f"type=gha,scope={n}" for n in (name, *bases)]
        return scopes, [f"{scopes[0]},mode=max"]
    return [], []


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace `{registry}`, `{image}` and `{target}` in a cache reference."""
    for key, value in values.items():
        template = template.replace(key, value)
    return template


def matrix_groups(graph: Graph, names_by_label: Mapping[Label, str]) -> dict[str, list[str]]:
    """One group per matrix value (`python-3-11`), holding the images built with it."""
    groups: dict[str, list[str]] = {}
    for target in graph.images:
        for key, value in target.matrix:
            groups.setdefault(bake_name(f"{key}-{value}"), []).append(names_by_label[target.label])
    return {g: sorted(members) for g, members in sorted(groups.items())}


def render_bake(graph: Graph, hashes: Hashes, names: Mapping[Label, str], in_git: bool) -> str:
    """The bake file: every image target, the `default` group, one group per matrix value, and
    the `test` group of the images' test stages."""
    targets = bake_targets(graph, hashes, names, in_git)
    by_label = {t.label: bake_name(t.image or "") for t in graph.images}
    groups = {"default": sorted(targets), **matrix_groups(graph, by_label)}
    tests = test_targets(graph, hashes, names, by_label)
    if tests:
        groups["test"] = sorted(t for t in tests if not t.endswith("-test-report"))
        reports = sorted(t for t in tests if t.endswith("-test-report"))
        if reports:
            groups["test-report"] = reports
    clash = sorted((set(groups) & set(targets)) | (set(tests) & set(targets)))
    if clash:
        raise EmitError(
            f"bake group or test target {clash[0]!r} has the name of an image target",
            file="BUILD.toml",
        )
    targets |= tests
    document: dict[str, Any] = {}
    if in_git:
        document["variable"] = {REVISION_VARIABLE: {"default": ""}}
    document["group"] = {g: {"targets": members} for g, members in groups.items()}
    document["target"] = targets
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def test_name(image_target: str) -> str:
    """The bake target that runs an image's tests."""
    return f"{image_target}-test"


def test_report_name(image_target: str) -> str:
    """The bake target that exports an image's test reports, whether the tests passed."""
    return f"{image_target}-test-report"


def reports_folder(image_target: str) -> str:
    """Where a report target exports to, relative to the workspace root (graphbuild's own
    folder: never an input)."""
    return f"{REPORTS_DIR}/{image_target}"


def test_targets(
    graph: Graph, hashes: Hashes, names: Mapping[Label, str], by_label: Mapping[Label, str]
) -> dict[str, dict[str, Any]]:
    """Two bake targets per image with tests: its #test stage, built for its result only
    (`type=cacheonly`: no image, no tag; a failing test fails the build), and its
    #test-report stage, the reports and exit code exported to .graphbuild/test-reports/."""
    settings = graph.workspace.settings
    found = {}
    for label, stage in sorted(graph.tests.items()):
        if label not in by_label:
            continue
        found[test_name(by_label[label])] = {
            "context": ".",
            "dockerfile": escape(settings.dockerfile),
            "target": names[stage],
            "output": ["type=cacheonly"],
            "platforms": [escape(p) for p in hashes.stages[stage].platforms],
        }
        report = graph.test_reports.get(label)
        if report is not None:
            found[test_report_name(by_label[label])] = {
                "context": ".",
                "dockerfile": escape(settings.dockerfile),
                "target": names[report],
                "output": [f"type=local,dest={escape(reports_folder(by_label[label]))}"],
                "platforms": [escape(p) for p in hashes.stages[report].platforms],
            }
    return found


def render_rebuild_group(graph: Graph, rebuilt: Iterable[Label]) -> str:
    """The override bake file holding only the `rebuild` group."""
    wanted = set(rebuilt)
    members = sorted(bake_name(t.image or "") for t in graph.images if t.label in wanted)
    document = {"group": {"rebuild": {"targets": members}}}
    return json.dumps(document, indent=2, sort_keys=True) + "\n"

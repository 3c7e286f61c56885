"""`plan --format github-matrix`: the images to rebuild as GitHub Actions matrices, one per
dependency level, so a job for level N+1 can wait for level N (`needs`); an image of several
platforms is a job per platform, each on a native runner pushing a tag of its own, and a
`merge` entry that joins those tags into the image's index (`imagetools create`)."""

from __future__ import annotations

import json
from typing import Any

from graphbuild.core.model import Target
from graphbuild.emit.bake import bake_name, image_ref
from graphbuild.graph.link import Graph, image_dependencies
from graphbuild.plan.entries import EntryKind, Plan, Status


def levels(graph: Graph, plan: Plan) -> list[list[dict[str, str]]]:
    """Rebuilt images by level: level 0 needs no other rebuilt image; level N waits for N-1."""
    moving = {
        e.label
        for e in plan.entries
        if e.kind is EntryKind.IMAGE and e.status in (Status.REBUILD, Status.NEW)
    }
    images = [t for t in graph.images if str(t.label) in moving]
    below = image_dependencies(graph, [t.label for t in images])
    level: dict[str, int] = {}
    for label in sorted(below, key=lambda x: len(below[x])):  # an image after all it needs
        level[str(label)] = 1 + max((level[str(b)] for b in below[label]), default=-1)
    grouped: list[list[dict[str, str]]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for target in sorted(images, key=lambda t: str(t.label)):
        grouped[level[str(target.label)]].extend(platform_jobs(graph, plan, target))
    return grouped


# GitHub's hosted runners that build each architecture natively (no QEMU).
RUNNERS = {"amd64": "ubuntu-24.04", "arm64": "ubuntu-24.04-arm"}


def platforms_of(graph: Graph, target: Target) -> tuple[str, ...]:
    """The platforms an image is built for."""
    output = graph.stages[graph.outputs[target.label]]
    return output.platforms or graph.workspace.settings.platforms


def platform_jobs(graph: Graph, plan: Plan, target: Target) -> list[dict[str, str]]:
    """An image's jobs: one per platform, each pushing a tag of its own when there are several
    (the merge joins them), else the image's own hash tag."""
    label = str(target.label)
    digest = plan_hash(plan, label)
    tag = image_ref(graph.workspace.settings.registry, target.image or "", digest)
    platforms = platforms_of(graph, target)
    jobs = []
    for platform in platforms:
        arch = platform.split("/")[1]
        jobs.append(
            {
                "label": label,
                "target": bake_name(target.image or ""),
                "hash": digest,
                "platform": platform,
                "runner": RUNNERS.get(arch, RUNNERS["amd64"]),
                "tag": tag if len(platforms) == 1 else f"{tag}-{arch}",
            }
        )
    return jobs


def merges(grouped: list[list[dict[str, str]]]) -> list[dict[str, str]]:
    """One entry per image built for several platforms: its tag and the per-platform tags."""
    by_label: dict[str, list[dict[str, str]]] = {}
    for job in (j for level in grouped for j in level):
        by_label.setdefault(job["label"], []).append(job)
    found = []
    for label, jobs in sorted(by_label.items()):
        if len(jobs) > 1:
            tag = jobs[0]["tag"].rsplit("-", 1)[0]
            sources = " ".join(j["tag"] for j in jobs)
            found.append({"label": label, "target": jobs[0]["target"], "tag": tag,
                          "sources": sources})  # fmt: skip
    return found


def plan_hash(plan: Plan, label: str) -> str:
    """The plan's current hash of an entry."""
    return next(e.hash or "" for e in plan.entries if e.label == label)


def render_matrix(graph: Graph, plan: Plan, max_levels: int = 4) -> str:
    """`{"levels": N, "level0": {"include": [...]}, …}`; levels past N hold an empty include,
    so a workflow can declare a fixed number of level jobs and skip the empty ones."""
    grouped = levels(graph, plan)
    document: dict[str, Any] = {"levels": len(grouped)}
    for index in range(max(max_levels, len(grouped))):
        document[f"level{index}"] = {"include": grouped[index] if index < len(grouped) else []}
    document["merge"] = {"include": merges(grouped)}
    return json.dumps(document, indent=2) + "\n"

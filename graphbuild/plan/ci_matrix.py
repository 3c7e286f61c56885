"""`plan --format github-matrix`: the images to rebuild as GitHub Actions matrices, one per
dependency level, so a job for level N+1 can wait for level N (`needs`)."""

from __future__ import annotations

import json
from typing import Any

from graphbuild.emit.bake import bake_name
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
        grouped[level[str(target.label)]].append(
            {
                "label": str(target.label),
                "target": bake_name(target.image or ""),
                "hash": plan_hash(plan, str(target.label)),
            }
        )
    return grouped


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
    return json.dumps(document, indent=2) + "\n"

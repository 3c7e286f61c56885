"""Emitted stages: one per distinct hash (the common modules), named readably after labels."""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from graphbuild.core.labels import Label, parse_label
from graphbuild.core.model import Stage
from graphbuild.graph.link import Graph
from graphbuild.hashing.stages import Hashes

UNSAFE = re.compile(r"[^a-z0-9_.-]+")


@attrs.frozen
class EmittedStage:
    """One FROM section of the Dockerfile and every label whose stage it is."""

    name: str
    stage: Stage
    hash: str
    labels: tuple[Label, ...]


def stage_name(label: Label) -> str:
    """A BuildKit stage name from a label: package folders, then name, variant and stage,
    joined by '-' (the name is left out where it repeats the last folder)."""
    segments = [s for s in label.package.split("/") if s]
    if not segments or segments[-1] != label.name:
        segments.append(label.name)
    if label.variant is not None:
        segments.append(label.variant.replace(",", "-"))
    if label.stage is not None:
        segments.append(label.stage)
    name = UNSAFE.sub("-", "-".join(segments).lower()).strip("-.")
    return name if name[:1].isalpha() else f"s-{name}"


def emitted_stages(graph: Graph, hashes: Hashes) -> tuple[list[EmittedStage], Mapping[Label, str]]:
    """The stages to emit in topological order, identical ones merged, and label -> stage name."""
    by_hash: dict[str, list[Label]] = {}
    for label in graph.order:
        by_hash.setdefault(hashes.stages[label].hash, []).append(label)
    taken: dict[str, Label] = {}
    result: list[EmittedStage] = []
    names: dict[Label, str] = {}
    for label in graph.order:
        digest = hashes.stages[label].hash
        labels = by_hash[digest]
        if labels[0] != label:
            names[label] = names[labels[0]]
            continue
        name = unique(stage_name(label), taken)
        taken[name] = label
        names[label] = name
        result.append(EmittedStage(name, graph.stages[label], digest, tuple(labels)))
    return default_last(graph, result), names


def default_last(graph: Graph, stages: list[EmittedStage]) -> list[EmittedStage]:
    """The stages with `[workspace] default`'s image stage moved to the end, where a plain
    `docker build` without --target takes it from (the graph checked it is a sink)."""
    written = graph.workspace.settings.default
    if written is None:
        return stages
    output = graph.outputs[parse_label(written, "")]
    last = next(s for s in stages if output in s.labels)
    return [s for s in stages if s is not last] + [last]


def unique(name: str, taken: Mapping[str, Label]) -> str:
    """`name`, or `name-2`, `name-3`… when two labels flatten to the same name."""
    if name not in taken:
        return name
    n = 2
    while f"{name}-{n}" in taken:
        n += 1
    return f"{name}-{n}"

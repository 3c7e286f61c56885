"""`graphbuild query`: transitive dependencies, reverse dependencies, a path (as bazel query)."""

from __future__ import annotations

import networkx as nx

from graphbuild.core.errors import GraphError
from graphbuild.core.labels import Label, parse_label
from graphbuild.definition.fields import suggest
from graphbuild.graph.link import Graph


def stages_of(graph: Graph, text: str) -> set[Label]:
    """The stages a label names: one stage, or every stage of a target."""
    label = parse_label(text)
    if label in graph.stages and label.stage is not None:
        return {label}
    found = {s for s in graph.stages if s.target == label}
    if not found and label in graph.stages:
        found = {label}
    if not found:
        known = [str(x) for x in (*graph.targets, *graph.stages)]
        raise GraphError(f"query: unknown label {text}{suggest(text, known)}")
    return found


def output_of(graph: Graph, text: str) -> Label:
    """The stage a label stands for in a path: a stage itself, or a target's output."""
    label = parse_label(text)
    if label in graph.outputs:
        return graph.outputs[label]
    stages_of(graph, text)  # raises for an unknown label
    return label


def reach(graph: Graph, text: str, step) -> list[str]:
    """Every stage `step` (nx.ancestors or nx.descendants) reaches from the label's stages."""
    start = stages_of(graph, text)
    found: set[Label] = set()
    for label in start:
        found |= step(graph.dag, label)
    return sorted(str(x) for x in found - start)


def deps(graph: Graph, text: str) -> list[str]:
    """Every stage the label's stages are built from or copy from, transitively."""
    return reach(graph, text, nx.ancestors)


def rdeps(graph: Graph, text: str) -> list[str]:
    """Every stage built on the label's stages, transitively: what an edit to it affects."""
    return reach(graph, text, nx.descendants)


def path(graph: Graph, source: str, target: str) -> list[str]:
    """A shortest chain from `source` down its dependencies to `target` ([] when none)."""
    start, end = output_of(graph, source), output_of(graph, target)
    try:
        chain = nx.shortest_path(graph.dag, end, start)  # edges run dependency -> dependent
    except nx.NetworkXNoPath:
        return []
    return [str(x) for x in reversed(chain)]

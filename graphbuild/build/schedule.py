"""Placing the images of a plan on several builders: each image on one builder, after every
image it is built on, longest remaining chain first (list scheduling by bottom level, the
classic HLFET heuristic), with the lower bound it is measured against."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

import attrs


@attrs.frozen
class Placement:
    """Where and when one image is built in a schedule (seconds from the start)."""

    image: str
    builder: str
    start: float
    end: float


@attrs.frozen
class Schedule:
    """Every image's placement, in start order, and the time the last one ends."""

    placements: tuple[Placement, ...]

    @property
    def makespan(self) -> float:
        """When the last image is built."""
        return max((p.end for p in self.placements), default=0.0)

    def on(self, builder: str) -> tuple[Placement, ...]:
        """The images one builder builds, in order."""
        return tuple(p for p in self.placements if p.builder == builder)


def bottom_levels(
    needs: Mapping[str, Sequence[str]], cost: Mapping[str, float]
) -> dict[str, float]:
    """Each image's cost plus the longest chain of images built on it: how long the build
    lasts at least once the image starts."""
    dependents = dependents_of(needs)
    level: dict[str, float] = {}
    for image in reversed(topological(needs)):
        level[image] = cost[image] + max((level[d] for d in dependents[image]), default=0.0)
    return level


def dependents_of(needs: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Each image's direct dependents."""
    dependents: dict[str, list[str]] = {image: [] for image in needs}
    for image, below in needs.items():
        for need in sorted(set(below)):
            dependents[need].append(image)
    return dependents


def topological(needs: Mapping[str, Sequence[str]]) -> list[str]:
    """The images, each after all it needs (ties by name: the order is reproducible)."""
    import networkx as nx  # 80 ms to import: a bake of a memo's graph never needs it

    dag = nx.DiGraph()
    dag.add_nodes_from(needs)
    dag.add_edges_from((need, image) for image, below in needs.items() for need in below)
    try:
        return list(nx.lexicographical_topological_sort(dag))
    except nx.NetworkXUnfeasible:
        raise ValueError("the images' dependencies have a cycle") from None


def critical_path(needs: Mapping[str, Sequence[str]], cost: Mapping[str, float]) -> float:
    """The longest chain of images: no number of builders finishes sooner."""
    return max(bottom_levels(needs, cost).values(), default=0.0)


def schedule(
    needs: Mapping[str, Sequence[str]], cost: Mapping[str, float], builders: Sequence[str]
) -> Schedule:
    """Place every image on a builder: whenever a builder is free, it takes the ready image
    with the longest chain still to build after it (an image is ready once every image it
    needs has ended, on any builder)."""
    if not builders:
        raise ValueError("no builder to place the images on")
    level = bottom_levels(needs, cost)
    waiting = {image: set(below) for image, below in needs.items()}
    dependents = dependents_of(needs)
    ready = [(-level[i], i) for i, below in waiting.items() if not below]
    heapq.heapify(ready)
    free = [(0.0, index) for index in range(len(builders))]  # (free at, builder)
    running: list[tuple[float, str]] = []  # (end, image)
    placements: list[Placement] = []
    clock = 0.0
    while ready or running:
        while ready and free and free[0][0] <= clock:
            _, image = heapq.heappop(ready)
            _, index = heapq.heappop(free)
            end = clock + cost[image]
            placements.append(Placement(image, builders[index], clock, end))
            heapq.heappush(running, (end, image))
            heapq.heappush(free, (end, index))
        if not running:
            break
        clock, done = heapq.heappop(running)
        for dependent in dependents[done]:
            waiting[dependent].discard(done)
            if not waiting[dependent]:
                heapq.heappush(ready, (-level[dependent], dependent))
    return Schedule(tuple(placements))

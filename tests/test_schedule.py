"""Placing images on several builders: every image after what it needs, never two at once on a
builder, and the makespan between the lower bounds and list scheduling's guarantee."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphbuild.build.schedule import critical_path, schedule


@st.composite
def graphs(draw):
    """A DAG of images (each needs some earlier ones) with a build time each."""
    count = draw(st.integers(1, 30))
    needs = {}
    for i in range(count):
        earlier = [f"i{j}" for j in range(i)]
        needs[f"i{i}"] = (
            draw(st.lists(st.sampled_from(earlier), max_size=3, unique=True)) if earlier else []
        )
    cost = {image: draw(st.floats(0.5, 100)) for image in needs}
    return needs, cost


@settings(max_examples=200, deadline=None)
@given(graphs(), st.integers(1, 8))
def test_a_schedule_respects_needs_and_builders(graph, count):
    needs, cost = graph
    builders = [f"b{i}" for i in range(count)]
    done = schedule(needs, cost, builders)
    placed = {p.image: p for p in done.placements}
    assert sorted(placed) == sorted(needs)
    for image, below in needs.items():
        assert all(placed[b].end <= placed[image].start + 1e-9 for b in below)
    for builder in builders:
        spans = sorted((p.start, p.end) for p in done.on(builder))
        assert all(a[1] <= b[0] + 1e-9 for a, b in itertools.pairwise(spans))
    total, longest = sum(cost.values()), critical_path(needs, cost)
    assert done.makespan >= max(longest, total / count) - 1e-6
    assert done.makespan <= total / count + longest + 1e-6  # Graham's bound for list scheduling


def test_one_builder_builds_one_image_after_another():
    needs = {"base": [], "api": ["base"], "worker": ["base"]}
    cost = {"base": 10.0, "api": 5.0, "worker": 7.0}
    done = schedule(needs, cost, ["only"])
    assert [(p.image, p.start, p.end) for p in done.placements] == [
        ("base", 0.0, 10.0), ("worker", 10.0, 17.0), ("api", 17.0, 22.0),
    ]  # fmt: skip


def test_the_longest_chain_goes_first():
    needs = {"a": [], "b": [], "c": ["a"], "d": ["c"]}
    cost = {"a": 1.0, "b": 5.0, "c": 1.0, "d": 5.0}
    done = schedule(needs, cost, ["x", "y"])
    assert done.makespan == critical_path(needs, cost) == 7.0
    assert {p.image: p.builder for p in done.placements}["a"] == "x"


def test_a_cycle_is_refused():
    with pytest.raises(ValueError, match="cycle"):
        schedule({"a": ["b"], "b": ["a"]}, {"a": 1.0, "b": 1.0}, ["x"])

"""Every plan output format, registered in one place: a function from the graph, the plan
and the baseline's name to text, keyed by its `PlanFormat`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graphbuild.graph.link import Graph
from graphbuild.plan.ci_matrix import render_matrix
from graphbuild.plan.entries import Plan
from graphbuild.plan.format_kinds import PlanFormat
from graphbuild.plan.report import plan_json, plan_text

Renderer = Callable[[Graph, Plan, str], str]
RENDERERS: Mapping[PlanFormat, Renderer] = {
    PlanFormat.TEXT: lambda graph, plan, baseline: plan_text(plan, baseline),
    PlanFormat.JSON: lambda graph, plan, baseline: plan_json(plan),
    PlanFormat.GITHUB_MATRIX: lambda graph, plan, baseline: render_matrix(graph, plan),
}


def render_plan(kind: PlanFormat, graph: Graph, plan: Plan, baseline: str) -> str:
    """The plan in `kind`."""
    return RENDERERS[kind](graph, plan, baseline)

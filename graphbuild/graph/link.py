"""The build graph: every stage and target in a networkx DAG, references resolved and checked.
networkx is imported only where the DAG is walked: a graph read back from the memo by a warm
plan needs only its edges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from graphbuild.core.errors import GraphError
from graphbuild.core.facts import Facts
from graphbuild.core.labels import Label, parse_label
from graphbuild.core.model import (
    Expansion,
    ImageRef,
    Ref,
    Scratch,
    Stage,
    StageRef,
    Target,
    Workspace,
)
from graphbuild.core.printable import arrows
from graphbuild.definition.fields import suggest
from graphbuild.definition.layout import BUILD_FILE

if TYPE_CHECKING:
    import networkx as nx


@attrs.frozen
class Graph:
    """Stages in a DAG (edges run from a dependency to its dependent) plus each target's output."""

    workspace: Workspace
    targets: Mapping[Label, Target]
    stages: Mapping[Label, Stage]
    outputs: Mapping[Label, Label]
    edges: tuple[tuple[Label, Label], ...]  # (dependency, dependent), sorted
    order: tuple[Label, ...]
    tests: Mapping[Label, Label] = attrs.field(factory=dict)  # target -> its test stage
    facts: Mapping[Label, Facts] = attrs.field(factory=dict)  # target -> what its rule told
    test_reports: Mapping[Label, Label] = attrs.field(factory=dict)  # target -> report stage
    _dag: Any = attrs.field(default=None, eq=False, repr=False, alias="_dag")
    _feeding: Any = attrs.field(default=None, eq=False, repr=False, alias="_feeding")

    @property
    def dag(self) -> nx.DiGraph:
        """The networkx DAG of the stages, built on first use."""
        if self._dag is None:
            object.__setattr__(self, "_dag", make_dag(self.stages, self.edges))
        return self._dag

    def built_from(self, *stages: Label) -> set[Label]:
        """Every stage any of `stages` is built from, directly or not: networkx's ancestors,
        from each stage's dependencies (listed on first use), so that emit and build of a
        memo's graph need not import networkx (80 ms) to build its DAG; one walk for all."""
        if self._feeding is None:
            object.__setattr__(self, "_feeding", dependencies_of(self.edges))
        return ancestors(self._feeding, *stages)

    def resolve(self, ref: Ref) -> Label | None:
        """The stage a reference names; None for an external image."""
        if not isinstance(ref, StageRef):
            return None
        return self.outputs.get(ref.label, ref.label)

    def ref_text(self, ref: Ref, stage_text: Callable[[Label], str]) -> str:
        """A reference as text: an external image's reference, `stage_text` of the stage it
        names (its hash for hashing, its emitted name for the Dockerfile), or scratch."""
        if isinstance(ref, ImageRef):
            return self.workspace.externals[ref.name].image
        label = self.resolve(ref)
        return stage_text(label) if label is not None else "scratch"

    def dependencies(self, stage: Label) -> Iterator[Label]:
        """The stages `stage` reads from directly, sorted."""
        return iter(sorted(self.dag.predecessors(stage)))

    def dependents(self, stage: Label) -> Iterator[Label]:
        """The stages that read from `stage` directly, sorted."""
        return iter(sorted(self.dag.successors(stage)))

    @property
    def images(self) -> tuple[Target, ...]:
        """The image targets, sorted by label."""
        return tuple(t for _, t in sorted(self.targets.items()) if t.image is not None)


def make_dag(stages: Iterable[Label], edges: Iterable[tuple[Label, Label]]) -> nx.DiGraph:
    """A networkx DAG of these stages and edges."""
    import networkx as nx

    dag = nx.DiGraph()
    dag.add_nodes_from(sorted(stages))
    dag.add_edges_from(edges)
    return dag


def dependencies_of(edges: Iterable[tuple[Label, Label]]) -> dict[Label, list[Label]]:
    """Each stage's direct dependencies (the stages it reads from), from (dependency,
    dependent) edges."""
    found: dict[Label, list[Label]] = defaultdict(list)
    for dependency, dependent in edges:
        found[dependent].append(dependency)
    return found


def ancestors(feeding: Mapping[Label, Sequence[Label]], *stages: Label) -> set[Label]:
    """Every stage any of `stages` is built from, directly or not (networkx's ancestors,
    without building its graph of every stage for a plan that names a few)."""
    seen: set[Label] = set()
    todo = list(stages)
    while todo:
        for dependency in feeding.get(todo.pop(), ()):
            if dependency not in seen:
                seen.add(dependency)
                todo.append(dependency)
    return seen


def image_dependencies(graph: Graph, images: Iterable[Label]) -> dict[Label, tuple[Label, ...]]:
    """For each of `images` (image target labels), the others of them its output stage is
    built on, directly or not: the order images must be built or pushed in."""
    by_stage = {graph.outputs[label]: label for label in images}
    return {
        label: tuple(sorted(by_stage[s] for s in graph.built_from(stage) if s in by_stage))
        for stage, label in by_stage.items()
    }


def image_relatives(graph: Graph, images: Iterable[Label]) -> dict[Label, tuple[Label, ...]]:
    """For each of `images`, the others of them whose target made a stage its output is built
    on or copies from (their images included): the images whose exported build caches hold
    layers it needs, though it may not wait for them (a dev image on its app's stages)."""
    wanted = set(images)
    return {
        label: tuple(sorted({
            owner for s in graph.built_from(graph.outputs[label])
            if (owner := s.with_stage(None)) in wanted and owner != label
        }))
        for label in wanted
    }  # fmt: skip


def link(workspace: Workspace, expansions: list[Expansion]) -> Graph:
    """The DAG of the stages of `expansions`; unknown labels and cycles are errors."""
    targets = {e.target.label: e.target for e in expansions}
    stages: dict[Label, Stage] = {}
    for expansion in expansions:
        for stage in expansion.stages:
            if stage.label in stages:
                other = stages[stage.label]
                raise GraphError.at(
                    stage,
                    stage.key or "name",
                    f"stage name clashes with {other.file} {other.key or 'target'}",
                )
            stages[stage.label] = stage
    outputs = {e.target.label: e.output for e in expansions}
    variants: dict[Label, list[Label]] = {}
    for label in targets:
        if label.variant is not None:
            variants.setdefault(Label(label.package, label.name), []).append(label)
    for expansion in expansions:
        check_label_kinds(expansion, targets)
    import networkx as nx

    edges: set[tuple[Label, Label]] = set()
    for stage in stages.values():
        for ref in stage.deps:
            dep = check_ref(ref, stage, workspace, targets, stages, outputs, variants)
            if dep is not None:
                edges.add((dep, stage.label))
    dag = make_dag(stages, sorted(edges))
    check_acyclic(dag, stages)
    order = tuple(nx.lexicographical_topological_sort(dag, key=str))
    check_default(workspace, targets, outputs, dag)
    tests = {e.target.label: e.test for e in expansions if e.test is not None}
    facts = {e.target.label: e.facts for e in expansions}
    reports = {e.target.label: e.test_report for e in expansions if e.test_report is not None}
    return Graph(
        workspace, targets, stages, outputs, tuple(sorted(edges)), order, tests, facts,
        reports, dag,
    )  # fmt: skip


def check_default(
    workspace: Workspace,
    targets: Mapping[Label, Target],
    outputs: Mapping[Label, Label],
    dag: nx.DiGraph,
) -> None:
    """`[workspace] default` names an image target nothing is built on (it ends the emitted
    Dockerfile, so it can have no dependents there)."""
    written = workspace.settings.default
    if written is None:
        return
    settings = workspace.settings

    def error(message: str) -> GraphError:
        return GraphError(
            message, file=BUILD_FILE, line=settings.default_line, key="workspace.default"
        )

    label = parse_label(written, "")
    target = targets.get(label)
    if target is None or target.image is None:
        kind = "no target" if target is None else "not an image target"
        raise error(f"{written} is {kind}: name the image the Dockerfile should end with")
    built_on = sorted(dag.successors(outputs[label]))
    if built_on:
        raise error(
            f"{written} cannot end the Dockerfile: {built_on[0]} is built on it (name an image "
            "nothing is built on)"
        )


def check_label_kinds(expansion: Expansion, targets: Mapping[Label, Target]) -> None:
    """Each key that names a target names one of the rules it expects ("python: //base:os is
    a distro_base target; expected a python_interpreter"); unknown labels are left to the
    reference check, which suggests the nearest."""
    for use in expansion.label_uses:
        named = targets.get(use.label.target)
        if named is None or named.rule in use.rules:
            continue
        expected = " or ".join(f"a {rule}" for rule in use.rules)
        raise GraphError.at(
            expansion.target, use.key, f"{use.label} is a {named.rule} target; expected {expected}"
        )


def check_ref(
    ref: Ref,
    stage: Stage,
    workspace: Workspace,
    targets: Mapping[Label, Target],
    stages: Mapping[Label, Stage],
    outputs: Mapping[Label, Label],
    variants: Mapping[Label, list[Label]],
) -> Label | None:
    """The stage `ref` names, or None for an external; GraphError when it names nothing."""
    key = ref_key(stage, ref)
    if isinstance(ref, Scratch):
        return None
    if isinstance(ref, ImageRef):
        if ref.name in workspace.externals:
            return None
        raise GraphError.at(
            stage,
            key,
            f"unknown external image {ref}{suggest(ref.name, workspace.externals)}"
            " (declare it as [external.NAME] in the root BUILD.toml)",
        )
    label = ref.label
    if label in outputs:
        return outputs[label]
    if label in stages:
        return label
    if label in variants:
        names = ", ".join(str(v) for v in sorted(variants[label]))
        raise GraphError.at(
            stage,
            key,
            f"{label} is a matrix target: name one of its variants ({names})",
        )
    if label.stage is not None and label.target in targets:
        owner = targets[label.target]
        have = sorted(str(s.label) for s in stages.values() if s.label.target == label.target)
        raise GraphError.at(
            stage,
            key,
            f"{label.target} (rule {owner.rule}) has no stage {label.stage!r}"
            f"{suggest(str(label), have)}; its stages: {', '.join(have)}",
        )
    known = [str(x) for x in (*targets, *stages)]
    raise GraphError.at(
        stage,
        key,
        f"unknown label {label}{suggest(str(label), known)}",
    )


def ref_key(stage: Stage, ref: Ref) -> str:
    """The key path of the first place `stage` uses `ref`, for messages."""
    prefix = f"{stage.key}." if stage.key else ""
    if ref == stage.parent:
        return f"{prefix}from"
    for step in stage.steps:
        if ref in step.refs:
            return step.key
    return prefix.rstrip(".")


CYCLE_ENDS = 4  # a longer cycle is named by this many labels at each end


def check_acyclic(dag: nx.DiGraph, stages: Mapping[Label, Stage]) -> None:
    """Raise GraphError naming the cycle when the stages depend on themselves (a long one by
    its ends and how many labels lie between)."""
    import networkx as nx

    try:
        cycle = nx.find_cycle(dag)
    except nx.NetworkXNoCycle:
        return
    nodes = [edge[0] for edge in reversed(cycle)]  # edges run dependency -> dependent
    start = nodes.index(min(nodes, key=str))  # print the same cycle however it was found
    nodes = nodes[start:] + nodes[:start]
    labels = [str(n) for n in [*nodes, nodes[0]]]
    skipped = max(0, len(labels) - 2 * CYCLE_ENDS)
    path = arrows(labels[:CYCLE_ENDS], skipped, labels[CYCLE_ENDS + skipped :])
    first = stages[nodes[0]]
    raise GraphError(
        f"dependency cycle: {path}", file=first.file, line=first.line, label=str(nodes[0])
    )

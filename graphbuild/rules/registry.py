"""The installed rules: the built-in ones and those other packages ship under the
`graphbuild.rules` entry-point group (a team's own rule is a package, not a fork)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import networkx as nx

from graphbuild.core.errors import GraphbuildError, RuleError
from graphbuild.core.facts import Facts
from graphbuild.core.labels import Label
from graphbuild.core.model import Expansion, LabelUse, Workspace
from graphbuild.rules.api import ENTRY_POINT_GROUP, Context, Rule
from graphbuild.rules.builtin import (
    distro_base,
    python_app,
    python_dev,
    python_interpreter,
    python_wheels,
    stages,
    uv,
)

BUILTIN: tuple[Rule[Any], ...] = (
    stages.RULE,
    distro_base.RULE,
    python_interpreter.RULE,
    python_wheels.RULE,
    python_app.RULE,
    python_dev.RULE,
    uv.LIBRARY,
    uv.INSTALLER,
)


@functools.cache
def installed_rules() -> Mapping[str, Rule[Any]]:
    """Rule name -> rule: the built-in ones, then each entry point of the group (its name is
    the rule's; it loads to a Rule)."""
    from importlib import metadata  # 30 ms to import: only when a graph is built

    rules: dict[str, Rule[Any]] = {rule.name: rule for rule in BUILTIN}
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        where = f"entry point {entry.name} = {entry.value!r} ({ENTRY_POINT_GROUP})"
        if entry.name in rules:
            raise RuleError(f"{where}: a rule named {entry.name!r} exists already")
        try:
            rule = entry.load()
        except Exception as err:
            raise RuleError(f"{where}: cannot be loaded: {err}") from None
        if not isinstance(rule, Rule) or rule.name != entry.name:
            raise RuleError(f"{where}: expected a graphbuild Rule named {entry.name!r}")
        rules[entry.name] = rule
    return rules


def expand_all(workspace: Workspace) -> list[Expansion]:
    """Every target expanded, each after the targets its keys name (so it may read their
    facts), in declaration order otherwise; a cycle is left for the graph to report."""
    rules = installed_rules()
    every = workspace.targets  # a property that builds the tuple: once, not per target
    targets = {t.label: t for t in every}
    order = nx.DiGraph()
    order.add_nodes_from(range(len(every)))
    index = {t.label: i for i, t in enumerate(every)}
    uses: dict[int, tuple[LabelUse, ...]] = {}
    for i, target in enumerate(every):
        try:
            uses[i] = rules[target.rule].label_uses(target)
        except GraphbuildError:  # a bad label: expanding the target reports it in full
            continue
        for use in uses[i]:
            if use.label.target in targets:
                order.add_edge(index[use.label.target], i)
    try:
        sequence = list(nx.lexicographical_topological_sort(order))
    except nx.NetworkXUnfeasible:
        sequence = list(range(len(every)))
    facts: dict[Label, Facts] = {}
    done: dict[int, Expansion] = {}
    for i in sequence:
        context = Context(workspace.settings, workspace.uv, facts)
        target = every[i]
        done[i] = expansion = rules[target.rule].run(target, context, uses.get(i))
        facts[expansion.target.label] = expansion.facts
    return [done[i] for i in range(len(every))]

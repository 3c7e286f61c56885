"""Lint checks about the Python interpreters: how many versions (GB501), and a venv copied
between two of them (GB502)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphbuild.core.labels import Label
from graphbuild.core.model import StageRef, Target
from graphbuild.graph.link import Graph
from graphbuild.lint.catalog import Finding, finding
from graphbuild.lint.checks import APT_INSTALL_RE, from_chain, text


def check_python_versions(graph: Graph) -> Iterator[Finding]:
    """GB501: at most three Python versions across the workspace."""
    versions: dict[str, Target] = {}
    for target in sorted(graph.targets.values(), key=lambda t: str(t.label)):
        if (interpreter := graph.facts[target.label].interpreter) is not None:
            versions.setdefault(interpreter.version, target)
    for stage in graph.stages.values():
        for step in stage.steps:
            for match in APT_INSTALL_RE.finditer(text(stage, step)):
                for version in re.findall(r"\bpython(3\.\d+)\b", match.group(1)):
                    versions.setdefault(version, graph.targets[stage.label.target])
    if len(versions) > 3:
        first = versions[sorted(versions)[0]]
        shown = ", ".join(sorted(versions, key=lambda v: tuple(int(x) for x in v.split("."))))
        yield finding("GB501", first, None, f"{len(versions)} Python versions: {shown}")


def interpreter_of(graph: Graph, label: Label) -> Target | None:
    """The interpreter target a stage is built on, if any (the nearest in its chain)."""
    for stage in reversed(from_chain(graph, label)):
        target = graph.targets[stage.label.target]
        if graph.facts[target.label].interpreter is not None:
            return target
    return None


def check_venv_interpreters(graph: Graph) -> Iterator[Finding]:
    """GB502: a venv copied from a builder on another interpreter than the runtime's (its
    compiled extensions and its `python` link point at a Python the runtime lacks)."""
    for label in graph.order:
        stage = graph.stages[label]
        for step in stage.steps:
            source = next((r for r in step.refs if isinstance(r, StageRef)), None)
            if step.instruction != "COPY" or source is None or "venv" not in text(stage, step):
                continue
            builder = graph.resolve(source)
            if builder is None:
                continue
            built_on, runs_on = interpreter_of(graph, builder), interpreter_of(graph, label)
            if built_on is not None and runs_on is not None and built_on.label != runs_on.label:
                yield finding(
                    "GB502", stage, step.key,
                    f"copies a venv built on {built_on.label} into a runtime on {runs_on.label}",
                )  # fmt: skip

"""`graphbuild lint`: the practices of docs/design.md §8 as checks with stable ids, on every
stage alike.

Checks read the stages after rule expansion, so raw `stages` targets and rule-made ones are
judged by the same standard. A finding is data: id, severity, label, key, message, fix hint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import attrs

from graphbuild.core.labels import parse_label
from graphbuild.graph.link import Graph
from graphbuild.lint.catalog import CHECKS, Check, Finding, Severity
from graphbuild.lint.checks import (
    check_externals,
    check_images,
    check_steps,
    check_workspace_args,
)
from graphbuild.lint.dependencies import check_lock_slices
from graphbuild.lint.interpreters import check_python_versions, check_venv_interpreters
from graphbuild.lint.reproducible import check_reproducible

PASSES: tuple[Callable[[Graph], Iterator[Finding]], ...] = (
    check_externals, check_images, check_steps, check_python_versions, check_venv_interpreters,
    check_workspace_args, check_reproducible, check_lock_slices,
)  # fmt: skip

__all__ = ["CHECKS", "Check", "Finding", "Severity", "lint"]


def lint(graph: Graph) -> list[Finding]:
    """Every finding, errors first, then by label, id and key; each reported once; each at the
    line of the key it concerns."""
    found = {at_key_line(graph, f): None for run in PASSES for f in run(graph)}
    return sorted(found, key=lambda f: (f.severity.rank, f.label, f.id, f.key or ""))


def at_key_line(graph: Graph, finding: Finding) -> Finding:
    """The finding at the line of its key in its target's table (where it has one)."""
    if not finding.label.startswith("//"):
        return finding
    target = graph.targets.get(parse_label(finding.label).target)
    if target is None or target.file != finding.file:
        return finding
    return attrs.evolve(finding, line=target.line_of(finding.key))

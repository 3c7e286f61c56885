"""`graphbuild lint`: the practices of DESIGN §8 as checks with stable ids, on every stage alike.

Checks read the stages after rule expansion, so raw `stages` targets and rule-made ones are
judged by the same standard. A finding is data: id, severity, label, key, message, fix hint.
"""

from __future__ import annotations

from graphbuild.graph.link import Graph
from graphbuild.lint.catalog import CHECKS, Check, Finding, Severity
from graphbuild.lint.checks import PASSES

__all__ = ["CHECKS", "Check", "Finding", "Severity", "lint"]


def lint(graph: Graph) -> list[Finding]:
    """Every finding, errors first, then by label, id and key; each reported once."""
    found = {f: None for run in PASSES for f in run(graph)}
    return sorted(found, key=lambda f: (f.severity.rank, f.label, f.id, f.key or ""))

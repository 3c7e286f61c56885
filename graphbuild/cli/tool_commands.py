"""`lint`, `query` and `graph`: the commands around the build graph."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graphbuild.analysis.load import build_graph, load_workspace
from graphbuild.analysis.run import analyze
from graphbuild.cli.common import EXIT_CHANGES, EXIT_OK, base_platform_problems
from graphbuild.core.errors import GraphbuildError, LoadError
from graphbuild.core.printable import ReportFormat
from graphbuild.graph import query
from graphbuild.graph.diagram import render as render_diagram
from graphbuild.graph.kinds import DiagramFormat, QueryKind
from graphbuild.lint import Severity, lint
from graphbuild.lint.catalog import CHECKS, Finding
from graphbuild.plan.baseline import plan_for
from graphbuild.plan.report import findings_json, findings_text
from graphbuild.state.store import open_store


def run_lint(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild lint`: exit 1 when any finding is an error."""
    graph = build_graph(load_workspace(root))
    findings = lint(graph) + [platform_finding(p) for p in base_platform_problems(graph)]
    as_json = ReportFormat(args.format) is ReportFormat.JSON
    sys.stdout.write(findings_json(findings) if as_json else findings_text(findings))
    return EXIT_CHANGES if any(f.severity is Severity.ERROR for f in findings) else EXIT_OK


def platform_finding(problem: LoadError) -> Finding:
    """A base that lacks a platform, as lint's GB105 finding."""
    check = CHECKS["GB105"]
    name = (problem.key or "").removeprefix("external.")
    return Finding(check.id, check.severity, f"@{name}", problem.key, problem.message,
                   check.hint, problem.file)  # fmt: skip


def run_query(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild query deps|rdeps LABEL` and `query path FROM TO`."""
    graph = build_graph(load_workspace(root))
    kind = QueryKind(args.kind)
    if len(args.labels) != kind.labels:
        plural = "s" if kind.labels > 1 else ""
        raise GraphbuildError(f"query {kind} takes {kind.labels} label{plural}")
    if kind is QueryKind.PATH:
        results = query.path(graph, *args.labels)
    else:
        results = (query.deps if kind is QueryKind.DEPS else query.rdeps)(graph, args.labels[0])
    if ReportFormat(args.format) is ReportFormat.JSON:
        document = {"query": kind.value, "labels": args.labels, "results": results}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    elif kind is QueryKind.PATH and results:
        print(" -> ".join(results))
    elif kind is QueryKind.PATH:
        print(f"no path from {args.labels[0]} to {args.labels[1]}")
    else:
        sys.stdout.write("".join(f"{r}\n" for r in results))
    return EXIT_OK


def run_graph(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild graph [--format dot|mermaid|json] [--plan]`."""
    statuses = None
    if args.plan:
        with open_store(root) as store:
            analysis = analyze(root, store=store)
            plan = plan_for(analysis, store).plan
        statuses = {e.label: e.status for e in plan.entries}
        graph = analysis.graph
    else:
        graph = build_graph(load_workspace(root))
    sys.stdout.write(render_diagram(graph, DiagramFormat(args.format), statuses))
    return EXIT_OK

"""`lint`, `query`, `graph` and `import`: the commands around the build graph."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graphbuild.analysis.load import build_graph, load_workspace
from graphbuild.analysis.run import analyze
from graphbuild.cli.common import EXIT_CHANGES, EXIT_OK
from graphbuild.core.errors import GraphbuildError
from graphbuild.core.writes import write_atomic
from graphbuild.graph import query
from graphbuild.graph.diagram import render as render_diagram
from graphbuild.importer.convert import externals_toml, import_dockerfile, safe_name
from graphbuild.lint import Severity, lint
from graphbuild.plan.baseline import plan_for
from graphbuild.plan.report import findings_json, findings_text
from graphbuild.state.store import open_store


def run_lint(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild lint`: exit 1 when any finding is an error."""
    workspace = load_workspace(root)
    findings = lint(build_graph(workspace))
    sys.stdout.write(findings_json(findings) if args.format == "json" else findings_text(findings))
    return EXIT_CHANGES if any(f.severity is Severity.ERROR for f in findings) else EXIT_OK


def run_query(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild query deps|rdeps LABEL` and `query path FROM TO`."""
    graph = build_graph(load_workspace(root))
    wanted = 2 if args.kind == "path" else 1
    if len(args.labels) != wanted:
        raise GraphbuildError(f"query {args.kind} takes {wanted} label{'s' if wanted > 1 else ''}")
    if args.kind == "path":
        results = query.path(graph, *args.labels)
    else:
        results = (query.deps if args.kind == "deps" else query.rdeps)(graph, args.labels[0])
    if args.format == "json":
        document = {"query": args.kind, "labels": args.labels, "results": results}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    elif args.kind == "path" and results:
        print(" -> ".join(results))
    elif args.kind == "path":
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
    sys.stdout.write(render_diagram(graph, args.format, statuses))
    return EXIT_OK


def run_import(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild import DOCKERFILE`: write the package's BUILD.toml (and the root's new
    externals), then load the workspace; on any error both files are put back as they were."""
    source = Path(args.dockerfile).resolve()
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise GraphbuildError(f"cannot read {args.dockerfile}: {err}") from None
    folder = Path(args.package).resolve() if args.package else source.parent
    if not folder.is_relative_to(root):
        raise GraphbuildError(f"{folder} is outside the workspace {root}")
    package = folder.relative_to(root).as_posix().strip(".")
    build = folder / "BUILD.toml"
    if build.exists():
        raise GraphbuildError(
            f"{package or '.'}/BUILD.toml exists already: import into a new package"
        )
    root_build = root / "BUILD.toml"
    root_text = root_build.read_text(encoding="utf-8")
    existing = {name: ext.image for name, ext in load_workspace(root).externals.items()}
    name = args.name or safe_name(folder.name)
    shown = source.relative_to(root).as_posix() if source.is_relative_to(root) else str(source)
    result = import_dockerfile(text, shown, name, existing)
    write_atomic(build, result.build_toml)
    if result.externals:
        write_atomic(root_build, root_text.rstrip("\n") + "\n" + externals_toml(result.externals))
    try:
        analyze(root, use_cache=False)
    except GraphbuildError:
        build.unlink()
        write_atomic(root_build, root_text)
        raise
    added = ", ".join(f"@{n}" for n in sorted(result.externals)) or "none"
    print(f"wrote {package}/BUILD.toml (target //{package}:{name}); new externals: {added}")
    return EXIT_OK

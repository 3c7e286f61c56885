"""The command line: the only module that prints or chooses an exit code."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from graphbuild import __version__, query
from graphbuild.baseline import baseline_for, head_revision, repo_prefix
from graphbuild.build import Job, bake_command, find_docker, has_buildx, plan_jobs
from graphbuild.built import load_built, record_built
from graphbuild.cache import workspace_lock
from graphbuild.ci_matrix import render_matrix
from graphbuild.diagram import render as render_diagram
from graphbuild.emit.bake import REVISION_VARIABLE, bake_name, render_rebuild_group
from graphbuild.emit.outputs import drift, rebuild_path, render_outputs
from graphbuild.errors import GraphbuildError
from graphbuild.graph import build_graph
from graphbuild.importer import externals_toml, import_dockerfile, safe_name
from graphbuild.labels import Label, parse_label
from graphbuild.lint import ERROR, lint
from graphbuild.load import find_root, load_workspace
from graphbuild.lockfile import make_lock, render_lock
from graphbuild.pipeline import CACHE_DIR, Analysis, analyze
from graphbuild.plan import Plan, make_plan, mark_pushed, to_build
from graphbuild.records import save_records
from graphbuild.registry import tag_exists
from graphbuild.report import findings_json, findings_text, plan_json, plan_text
from graphbuild.runner import run_jobs
from graphbuild.toml_schema import build_toml_schema
from graphbuild.writes import sweep_temporaries, write_atomic

EXIT_OK, EXIT_CHANGES, EXIT_BAD_INPUT = 0, 1, 2
DESCRIPTION = (
    "A declarative build graph for the container images of a Python monorepo: content hashes, "
    "a plan of what rebuilds and why, one emitted Dockerfile and a bake file."
)


class Parser(argparse.ArgumentParser):
    """argparse with usage errors as exit code 2 and one line, like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"graphbuild: error: {message} (see graphbuild --help)\n")


def make_parser() -> Parser:
    """The argument parser of every subcommand."""
    parser = Parser(prog="graphbuild", description=DESCRIPTION)
    parser.add_argument(
        "-C",
        dest="directory",
        metavar="DIR",
        default=".",
        help="run in DIR (the workspace is found at or above it)",
    )
    parser.add_argument("--version", action="version", version=f"graphbuild {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    plan = commands.add_parser("plan", help="show what rebuilds and why")
    plan.add_argument("--since", metavar="REF", help="compare with the lock as committed at REF")
    plan.add_argument("--format", choices=("text", "json", "github-matrix"), default="text")
    plan.add_argument("--check", action="store_true", help="exit 1 when anything would rebuild")
    plan.add_argument(
        "--registry", action="store_true", help="images whose hash tag is pushed are unchanged"
    )
    commands.add_parser("lock", help="write the lock file with the current hashes")
    emit = commands.add_parser("emit", help="write the Dockerfile, the bake file and the lock")
    emit.add_argument(
        "--check",
        action="store_true",
        help="write nothing; print a diff and exit 1 when the files on disk differ",
    )
    emit.add_argument(
        "--registry",
        action="store_true",
        help="leave images whose hash tag is pushed already out of the rebuild group",
    )
    emit.add_argument(
        "--since",
        metavar="REF",
        help="baseline of the rebuild group: the lock at REF (default: the lock on disk)",
    )
    build = commands.add_parser("build", help="build images with BuildKit from the emitted files")
    build.add_argument("labels", nargs="*", metavar="LABEL", help="image targets to build")
    which = build.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="every image (the default)")
    which.add_argument("--rebuild", action="store_true", help="images not yet built here")
    build.add_argument("--jobs", type=int, default=2, help="builds at once without buildx")
    build.add_argument("--dry-run", action="store_true", help="print the commands only")
    build.add_argument("--docker", metavar="PATH", help="the docker CLI (or $GRAPHBUILD_DOCKER)")
    query = commands.add_parser("query", help="dependencies, reverse dependencies, a path")
    query.add_argument("kind", choices=("deps", "rdeps", "path"))
    query.add_argument("labels", nargs="+", metavar="LABEL")
    query.add_argument("--format", choices=("text", "json"), default="text")
    graph = commands.add_parser("graph", help="draw the stage DAG (dot, mermaid, json)")
    graph.add_argument("--format", choices=("dot", "mermaid", "json"), default="dot")
    graph.add_argument("--plan", action="store_true", help="highlight what rebuilds vs the lock")
    commands.add_parser("schema", help="print the JSON Schema of BUILD.toml files")
    imports = commands.add_parser("import", help="turn a Dockerfile into a BUILD.toml of stages")
    imports.add_argument("dockerfile", metavar="DOCKERFILE")
    imports.add_argument("--package", metavar="DIR", help="the package (default: its folder)")
    imports.add_argument("--name", help="the target's name (default: the package's last folder)")
    lint = commands.add_parser("lint", help="check the stages against good practice")
    lint.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def run_plan(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild plan`."""
    analysis = analyze(root)
    lock, records, name = baseline_for(analysis, args.since)
    plan: Plan = make_plan(analysis.graph, analysis.hashes, lock, records)
    if args.registry:
        plan = check_registry(analysis, plan)
    if plan.changed:  # a clean plan needs no records, and the lock's are stored already
        save_records(
            root / CACHE_DIR, records, analysis.hashes.stages.values(), lock.stages.values()
        )
    if args.format == "github-matrix":
        sys.stdout.write(render_matrix(analysis.graph, plan))
    else:
        sys.stdout.write(plan_json(plan) if args.format == "json" else plan_text(plan, name))
    if args.check and any(e.status != "unchanged" for e in plan.entries):
        return EXIT_CHANGES
    return EXIT_OK


def check_registry(analysis: Analysis, plan: Plan) -> Plan:
    """Ask the workspace's registry about every image the plan would build."""
    settings = analysis.workspace.settings
    if not settings.registry:
        raise GraphbuildError("--registry needs [workspace] registry", file="BUILD.toml")
    images = {str(t.label): t.image for t in analysis.graph.images}
    pushed = {
        entry.label
        for entry in to_build(plan)
        if tag_exists(settings.registry, images[entry.label] or "", short_hash(entry.hash))
    }
    return mark_pushed(plan, pushed)


def short_hash(digest: str | None) -> str:
    """The 12-hex tag of a content hash."""
    return (digest or "").removeprefix("sha256:")[:12]


def run_lock(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild lock`."""
    analysis = analyze(root)
    lock = make_lock(analysis.workspace, analysis.hashes)
    path = root / analysis.workspace.settings.lock
    write_atomic(path, render_lock(lock))
    save_records(root / CACHE_DIR, {}, analysis.hashes.stages.values())
    print(
        f"wrote {analysis.workspace.settings.lock}: {len(lock.images)} images, "
        f"{len(lock.targets)} other targets, {len(lock.stages)} stages"
    )
    return EXIT_OK


def read_text(path: Path) -> str | None:
    """A file's text, or None when it does not exist."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise GraphbuildError(f"cannot read {path.name}: {err}") from None


def run_emit(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild emit [--check]`."""
    analysis = analyze(root)
    outputs = render_outputs(analysis.graph, analysis.hashes, repo_prefix(root) is not None)
    if args.check:
        diffs = [drift(p, read_text(root / p), text) for p, text in outputs.files.items()]
        diffs = [d for d in diffs if d]
        sys.stdout.write("".join(diffs))
        if diffs:
            print(
                "graphbuild: emitted files are out of date: run `graphbuild emit`", file=sys.stderr
            )
            return EXIT_CHANGES
        return EXIT_OK
    lock, records, _ = baseline_for(analysis, args.since)
    plan = make_plan(analysis.graph, analysis.hashes, lock, records)
    if args.registry:
        plan = check_registry(analysis, plan)
    rebuilt = [parse_label(e.label) for e in to_build(plan)]
    settings = analysis.workspace.settings
    files = {
        **outputs.files,
        rebuild_path(settings.bake): render_rebuild_group(analysis.graph, rebuilt),
    }
    for path, text in files.items():
        sweep_temporaries(root / path)
        write_atomic(root / path, text)
    save_records(root / CACHE_DIR, records, analysis.hashes.stages.values(), lock.stages.values())
    merged = sum(len(s.labels) - 1 for s in outputs.stages)
    print(
        f"wrote {settings.dockerfile} ({len(outputs.stages)} stages; {merged} merged into "
        f"shared ones), {settings.bake} ({len(analysis.graph.images)} images; "
        f"{len(rebuilt)} to rebuild in {rebuild_path(settings.bake)}), {settings.lock}"
    )
    return EXIT_OK


def run_lint(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild lint`: exit 1 when any finding is an error."""
    workspace = load_workspace(root)
    findings = lint(build_graph(workspace))
    sys.stdout.write(findings_json(findings) if args.format == "json" else findings_text(findings))
    return EXIT_CHANGES if any(f.severity == ERROR for f in findings) else EXIT_OK


def wanted_images(args: argparse.Namespace, analysis: Analysis) -> list[Label]:
    """The image targets a build asks for."""
    graph = analysis.graph
    images = {t.label for t in graph.images}
    if args.labels:
        wanted = []
        for text in args.labels:
            label = parse_label(text)
            if label not in images:
                raise GraphbuildError(f"{text} is not an image target (images: "
                                      f"{', '.join(str(i) for i in sorted(images))})")  # fmt: skip
            wanted.append(label)
        return wanted
    if args.rebuild:
        built = load_built(analysis.root / CACHE_DIR)
        return [i for i in sorted(images) if built.get(str(i)) != analysis.hashes.targets[i]]
    return sorted(images)


def run_build(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild build`: the emitted files must be current; exit 1 when a build fails."""
    analysis = analyze(root)
    settings = analysis.workspace.settings
    outputs = render_outputs(analysis.graph, analysis.hashes, repo_prefix(root) is not None)
    stale = [p for p, text in outputs.files.items() if read_text(root / p) != text]
    if stale:
        raise GraphbuildError(f"{stale[0]} is out of date: run `graphbuild emit` first")
    wanted = wanted_images(args, analysis)
    if not wanted:
        print("nothing to build: every image is built here at its current hash")
        return EXIT_OK
    if args.jobs < 1:
        raise GraphbuildError("--jobs must be at least 1")
    docker = find_docker(args.docker)
    environ = dict(os.environ)
    if REVISION_VARIABLE not in environ and (revision := head_revision(root)):
        environ[REVISION_VARIABLE] = revision
    names = {t.label: bake_name(t.image or "") for t in analysis.graph.images}
    if has_buildx(docker):
        argv = bake_command(docker, [settings.bake], [names[label] for label in wanted])
        jobs = [Job("bake", wanted[0], argv)]
    else:
        bake_text = (root / settings.bake).read_text(encoding="utf-8")
        jobs = plan_jobs(analysis.graph, bake_text, wanted, docker, environ)
    if args.dry_run:
        for job in jobs:
            print(shlex.join(job.argv))
        return EXIT_OK
    outcomes = run_jobs(jobs, args.jobs, root / CACHE_DIR / "logs", root, environ, print)
    built = {
        str(j.label): analysis.hashes.targets[j.label]
        for j, o in zip(jobs, outcomes, strict=True)
        if o.status == "ok"
    }
    if jobs[0].name == "bake" and outcomes[0].status == "ok":
        built = {str(label): analysis.hashes.targets[label] for label in wanted}
    if built:
        with workspace_lock(root):
            record_built(root / CACHE_DIR, built)
    failed = [o for o in outcomes if o.status != "ok"]
    for outcome in failed:
        print(f"{outcome.name}: {outcome.status}", file=sys.stderr)
    return EXIT_CHANGES if failed else EXIT_OK


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
        analysis = analyze(root)
        lock, records, _ = baseline_for(analysis, None)
        plan = make_plan(analysis.graph, analysis.hashes, lock, records)
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


LOCKED = {
    "plan",
    "lock",
    "emit",
    "import",
}  # build takes the lock only while it records what it built
COMMANDS = {
    "plan": run_plan,
    "lock": run_lock,
    "emit": run_emit,
    "lint": run_lint,
    "build": run_build,
    "query": run_query,
    "graph": run_graph,
    "import": run_import,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `graphbuild` console script."""
    args = make_parser().parse_args(argv)
    if args.command == "schema":  # needs no workspace
        sys.stdout.write(json.dumps(build_toml_schema(), indent=2) + "\n")
        return EXIT_OK
    try:
        root = find_root(Path(args.directory))
        if args.command in LOCKED:
            with workspace_lock(root):
                return COMMANDS[args.command](args, root)
        return COMMANDS[args.command](args, root)
    except GraphbuildError as err:
        print(f"graphbuild: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130

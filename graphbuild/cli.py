"""The command line: the only module that prints or chooses an exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from graphbuild import __version__
from graphbuild.baseline import lock_at, lock_text_at, read_lock, records_at, repo_prefix
from graphbuild.emit.bake import render_rebuild_group
from graphbuild.emit.outputs import drift, rebuild_path, render_outputs
from graphbuild.errors import GraphbuildError
from graphbuild.graph import build_graph
from graphbuild.hashing import StageRecord
from graphbuild.labels import parse_label
from graphbuild.lint import ERROR, lint
from graphbuild.load import find_root, load_workspace
from graphbuild.lockfile import Lock, make_lock, render_lock
from graphbuild.pipeline import CACHE_DIR, Analysis, analyze
from graphbuild.plan import Plan, make_plan
from graphbuild.records import load_records, save_records
from graphbuild.report import findings_json, findings_text, plan_json, plan_text
from graphbuild.writes import write_atomic

EXIT_OK, EXIT_CHANGES, EXIT_BAD_INPUT = 0, 1, 2


class Parser(argparse.ArgumentParser):
    """argparse with usage errors as exit code 2 and one line, like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"graphbuild: error: {message} (see graphbuild --help)\n")


def make_parser() -> Parser:
    """The argument parser of every subcommand."""
    parser = Parser(prog="graphbuild", description=__doc__)
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
    plan.add_argument("--format", choices=("text", "json"), default="text")
    plan.add_argument("--check", action="store_true", help="exit 1 when anything would rebuild")
    commands.add_parser("lock", help="write the lock file with the current hashes")
    emit = commands.add_parser("emit", help="write the Dockerfile, the bake file and the lock")
    emit.add_argument(
        "--check",
        action="store_true",
        help="write nothing; print a diff and exit 1 when the files on disk differ",
    )
    emit.add_argument(
        "--since",
        metavar="REF",
        help="baseline of the rebuild group: the lock at REF (default: the lock on disk)",
    )
    lint = commands.add_parser("lint", help="check the stages against good practice")
    lint.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def baseline_for(analysis: Analysis, since: str | None) -> tuple[Lock, dict[str, StageRecord], str]:
    """The lock to compare with, the stage records known for it, and how to name it."""
    lock_path = analysis.workspace.settings.lock
    records = load_records(analysis.root / CACHE_DIR)
    if since is not None:
        lock = lock_at(analysis.root, since, lock_path)
        missing = set(lock.stages.values()) - records.keys()
        if missing - {r.hash for r in analysis.hashes.stages.values()}:
            records |= records_at(analysis.root, since)
        return lock, records, f"{lock_path} at {since}"
    lock = read_lock(analysis.root, lock_path)
    current = {r.hash for r in analysis.hashes.stages.values()}
    if (set(lock.stages.values()) - current) - records.keys():
        # A fresh clone has no records: when the lock is the committed one, rebuild them from HEAD.
        try:
            committed = lock_text_at(analysis.root, "HEAD", lock_path)
        except GraphbuildError:
            committed = None
        on_disk = (analysis.root / lock_path).read_text(encoding="utf-8")
        if committed is not None and committed == on_disk:
            records |= records_at(analysis.root, "HEAD")
    return lock, records, lock_path


def run_plan(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild plan`."""
    analysis = analyze(root)
    lock, records, name = baseline_for(analysis, args.since)
    plan: Plan = make_plan(analysis.graph, analysis.hashes, lock, records)
    save_records(root / CACHE_DIR, records, analysis.hashes.stages.values(), lock.stages.values())
    sys.stdout.write(plan_json(plan) if args.format == "json" else plan_text(plan, name))
    if args.check and any(e.status != "unchanged" for e in plan.entries):
        return EXIT_CHANGES
    return EXIT_OK


def run_lock(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild lock`."""
    analysis = analyze(root)
    lock = make_lock(analysis.workspace, analysis.hashes)
    path = root / analysis.workspace.settings.lock
    write_atomic(path, render_lock(lock))
    records = load_records(root / CACHE_DIR)
    save_records(root / CACHE_DIR, records, analysis.hashes.stages.values())
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
    rebuilt = [
        parse_label(e.label)
        for e in plan.entries
        if e.kind == "image" and e.status in ("rebuild", "new")
    ]
    settings = analysis.workspace.settings
    files = {
        **outputs.files,
        rebuild_path(settings.bake): render_rebuild_group(analysis.graph, rebuilt),
    }
    for path, text in files.items():
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


COMMANDS = {"plan": run_plan, "lock": run_lock, "emit": run_emit, "lint": run_lint}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `graphbuild` console script."""
    args = make_parser().parse_args(argv)
    try:
        root = find_root(Path(args.directory))
        return COMMANDS[args.command](args, root)
    except GraphbuildError as err:
        print(f"graphbuild: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130

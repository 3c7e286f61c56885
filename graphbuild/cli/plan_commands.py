"""`plan` and `lock`: the commands that compare the workspace with its lock and write it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graphbuild.analysis.run import Analysis, analyze, complete
from graphbuild.analysis.start import Begun, no_cycle_collection
from graphbuild.build.platforms import foreign_platforms
from graphbuild.cli.common import EXIT_CHANGES, EXIT_OK, base_platform_problems
from graphbuild.core.errors import GraphbuildError
from graphbuild.core.writes import write_files
from graphbuild.hashing.lockfile import make_lock, render_lock
from graphbuild.hashing.stages import short_hash
from graphbuild.plan.baseline import plan_for, remember_records
from graphbuild.plan.compare import mark_pushed, to_build
from graphbuild.plan.entries import Plan
from graphbuild.plan.format_kinds import PlanFormat
from graphbuild.plan.formats import render_plan
from graphbuild.plan.reuse import PlanOutput, remember
from graphbuild.state.store import Store
from graphbuild.tree.git_start import GitRun


def run_plan(args: argparse.Namespace, begun: Begun, key: bytes | None = None) -> int:
    """`graphbuild plan`, once git's view is taken; its output is kept under `key`, if given,
    when nothing it read may still be moving and it asked no engine."""
    with no_cycle_collection():
        analysis = complete(begun)
    if args.verbose:
        print(analysis.describe(), file=sys.stderr)
    store = begun.store
    result = plan_for(analysis, store, args.since)
    plan, name = result.plan, result.baseline.name
    if args.registry:
        plan = check_registry(analysis, plan)
    text = render_plan(PlanFormat(args.format), analysis.graph, plan, name)
    foreign = foreign_platforms(analysis.graph)  # only then is the engine asked about bases
    problems = base_platform_problems(analysis.graph) if foreign else []
    warnings = "".join(f"graphbuild: warning: {problem}\n" for problem in problems)
    sys.stdout.write(text)
    sys.stderr.write(warnings)
    code = EXIT_CHANGES if args.check and plan.changed else EXIT_OK
    if key is not None and begun.settled and not foreign:
        remember(store, PlanOutput(key, text, warnings, code))
    return code


def check_registry(analysis: Analysis, plan: Plan) -> Plan:
    """Ask the workspace's registry about every image the plan would build."""
    from graphbuild.plan.image_registry import tag_exists

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


def run_lock(args: argparse.Namespace, root: Path, store: Store, git: GitRun | None = None) -> int:
    """`graphbuild lock`."""
    analysis = analyze(root, store=store, git=git)
    lock = make_lock(analysis.workspace, analysis.hashes)
    write_files(root, {analysis.workspace.settings.lock: render_lock(lock)}, sweep=True)
    remember_records(store, analysis)
    print(
        f"wrote {analysis.workspace.settings.lock}: {len(lock.images)} images, "
        f"{len(lock.targets)} other targets, {len(lock.stages)} stages"
    )
    return EXIT_OK

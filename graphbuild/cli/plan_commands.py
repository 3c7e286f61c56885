"""`plan`, `lock` and `emit`: the commands that compare and write the workspace's state."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Mapping
from pathlib import Path

from graphbuild.analysis.run import Analysis, analyze, complete
from graphbuild.analysis.start import Begun, no_cycle_collection
from graphbuild.build.platforms import foreign_platforms
from graphbuild.cli.common import EXIT_CHANGES, EXIT_OK, base_platform_problems
from graphbuild.core.errors import GraphbuildError
from graphbuild.core.labels import parse_label
from graphbuild.core.reading import read_bytes
from graphbuild.core.writes import write_files
from graphbuild.definition.lock_slice import SLICE_HEADER
from graphbuild.definition.sources import read_text
from graphbuild.emit.bake import render_rebuild_group
from graphbuild.emit.outputs import drift, render_outputs
from graphbuild.hashing.lockfile import make_lock, render_lock
from graphbuild.hashing.stages import short_hash
from graphbuild.plan.baseline import plan_for, remember_records, repo_prefix
from graphbuild.plan.compare import mark_pushed, to_build
from graphbuild.plan.entries import Plan
from graphbuild.plan.format_kinds import PlanFormat
from graphbuild.plan.formats import render_plan
from graphbuild.plan.reuse import PlanOutput, remember
from graphbuild.state.store import Store
from graphbuild.tree.git import ignored_by_git


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


def run_lock(args: argparse.Namespace, root: Path, store: Store) -> int:
    """`graphbuild lock`."""
    analysis = analyze(root, store=store)
    lock = make_lock(analysis.workspace, analysis.hashes)
    write_files(root, {analysis.workspace.settings.lock: render_lock(lock)}, sweep=True)
    remember_records(store, analysis)
    print(
        f"wrote {analysis.workspace.settings.lock}: {len(lock.images)} images, "
        f"{len(lock.targets)} other targets, {len(lock.stages)} stages"
    )
    return EXIT_OK


def run_emit(args: argparse.Namespace, root: Path, store: Store) -> int:
    """`graphbuild emit [--check]`."""
    analysis = analyze(root, store=store)
    outputs = render_outputs(analysis.graph, analysis.hashes, repo_prefix(root) is not None)
    stale = stale_slices(root, analysis.workspace.settings.lock_slices, outputs.files)
    if args.check:
        diffs = [drift(p, read_text(root, p), text) for p, text in outputs.files.items()]
        diffs = [d for d in diffs if d] + [f"--- a/{p}\n+++ /dev/null\n(removed)\n" for p in stale]
        sys.stdout.write("".join(diffs))
        if diffs:
            print(
                "graphbuild: emitted files are out of date: run `graphbuild emit`", file=sys.stderr
            )
            return EXIT_CHANGES
        return EXIT_OK
    plan = plan_for(analysis, store, args.since, remember=True).plan
    if args.registry:
        plan = check_registry(analysis, plan)
    rebuilt = [parse_label(e.label) for e in to_build(plan)]
    settings = analysis.workspace.settings
    files = {
        **outputs.files,
        settings.rebuild_bake: render_rebuild_group(analysis.graph, rebuilt),
    }
    write_files(root, files, sweep=True)
    for path in stale:
        (root / path).unlink()
    hidden = ignored_by_git(root, [*outputs.files, settings.lock])
    if hidden:
        print(
            f"graphbuild: warning: git ignores {', '.join(hidden[:3])}"
            f"{f' and {len(hidden) - 3} more' if len(hidden) > 3 else ''}: commit them with"
            " `git add -f`, or set dockerfile and bake in [workspace] to a folder git keeps"
            " (`emit --check` in a fresh clone needs them)",
            file=sys.stderr,
        )
    merged = sum(len(s.labels) - 1 for s in outputs.stages)
    slices = sum(1 for p in outputs.files if p.startswith(settings.lock_slices + "/"))
    print(
        f"wrote {settings.dockerfile} ({len(outputs.stages)} stages; {merged} merged into "
        f"shared ones), {settings.bake} ({len(analysis.graph.images)} images; "
        f"{len(rebuilt)} to rebuild in {settings.rebuild_bake}), {settings.lock}"
        + (f", {slices} lock slices in {settings.lock_slices}/" if slices else "")
    )
    return EXIT_OK


SLICE_HEAD_LIMIT = 16 * 1024 * 1024  # larger .txt files are not slices emit wrote


def stale_slices(root: Path, folder: str, files: Mapping[str, str]) -> list[str]:
    """Lock slices on disk that no image has any more (emit removes them): regular files of
    the slices' folder that graphbuild wrote (they start with its header), never a file of
    the team's, and nothing through a symlinked folder."""
    where = root / folder
    if where.is_symlink() or not where.is_dir() or any(p.is_symlink() for p in where.parents):
        return []
    stale = []
    for path in sorted(where.glob("*.txt")):
        name = f"{folder}/{path.name}"
        if name in files or path.is_symlink() or not path.is_file():
            continue
        with contextlib.suppress(OSError, UnicodeDecodeError):
            if read_bytes(path, SLICE_HEAD_LIMIT).decode().startswith(SLICE_HEADER):
                stale.append(name)
    return stale

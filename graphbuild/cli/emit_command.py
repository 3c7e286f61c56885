"""`emit`: write the Dockerfile, the bake files, the lock and the lock slices (apart from `plan`,
whose start-up must not import the renderers and networkx)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graphbuild.analysis.run import Analysis, analyze, complete
from graphbuild.analysis.start import Begun, no_cycle_collection
from graphbuild.cli.common import EXIT_CHANGES, EXIT_OK, hidden_outputs_warning
from graphbuild.cli.plan_commands import check_registry
from graphbuild.core.labels import parse_label
from graphbuild.core.slice_files import stale_slices
from graphbuild.core.writes import write_files
from graphbuild.definition.sources import read_text
from graphbuild.emit.bake import render_rebuild_group
from graphbuild.emit.outputs import drift, render_outputs
from graphbuild.plan.baseline import plan_for, repo_prefix
from graphbuild.plan.compare import to_build
from graphbuild.plan.reuse import EmitOutput, file_digests, remember_emit
from graphbuild.state.store import Store
from graphbuild.tree.git_start import GitRun


def run_emit(args: argparse.Namespace, root: Path, store: Store, git: GitRun | None = None) -> int:
    """`graphbuild emit [--check]`."""
    return emit_analysis(args, root, store, analyze(root, store=store, git=git))


def emit_begun(args: argparse.Namespace, begun: Begun, key: bytes | None) -> int:
    """`graphbuild emit`, once git's view is taken; what it wrote and printed is kept under
    `key`, if given, when nothing it read may still be moving."""
    with no_cycle_collection():
        analysis = complete(begun)
    return emit_analysis(args, begun.root, begun.store, analysis, key if begun.settled else None)


def emit_analysis(
    args: argparse.Namespace, root: Path, store: Store, analysis: Analysis, key: bytes | None = None
) -> int:
    """`graphbuild emit [--check]` from the workspace's analysis."""
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
    committed = (*outputs.files, settings.lock)
    sys.stderr.write(hidden_outputs_warning(root, committed))
    merged = sum(len(s.labels) - 1 for s in outputs.stages)
    slices = sum(1 for p in outputs.files if p.startswith(settings.lock_slices + "/"))
    said = (
        f"wrote {settings.dockerfile} ({len(outputs.stages)} stages; {merged} merged into "
        f"shared ones), {settings.bake} ({len(analysis.graph.images)} images; "
        f"{len(rebuilt)} to rebuild in {settings.rebuild_bake}), {settings.lock}"
        + (f", {slices} lock slices in {settings.lock_slices}/" if slices else "")
        + "\n"
    )
    sys.stdout.write(said)
    if key is not None:  # given only to an emit without --registry or --since
        remember_emit(store, EmitOutput(key, file_digests(files), committed, said))
    return EXIT_OK

"""`build`: run the bake file's images on BuildKit."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from graphbuild.analysis.run import Analysis, analyze
from graphbuild.build.docker import Job, JobKind, bake_command, find_docker, has_buildx, plan_jobs
from graphbuild.build.record import load_built, record_built
from graphbuild.build.runner import JobStatus, run_jobs
from graphbuild.cli.common import EXIT_CHANGES, EXIT_OK, read_text
from graphbuild.core.errors import GraphbuildError
from graphbuild.core.labels import Label, parse_label
from graphbuild.emit.bake import REVISION_VARIABLE, bake_name
from graphbuild.emit.outputs import render_outputs
from graphbuild.plan.baseline import head_revision, repo_prefix
from graphbuild.state.store import Store, logs_folder, open_store


def wanted_images(args: argparse.Namespace, analysis: Analysis, store: Store) -> list[Label]:
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
        built = load_built(store)
        return [i for i in sorted(images) if built.get(str(i)) != analysis.hashes.targets[i]]
    return sorted(images)


def run_build(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild build`: the emitted files must be current; exit 1 when a build fails. The
    workspace lock is held while analysing and while recording, not while images build."""
    with open_store(root) as store:
        analysis = analyze(root, store=store)
        wanted = wanted_images(args, analysis, store)
    settings = analysis.workspace.settings
    outputs = render_outputs(analysis.graph, analysis.hashes, repo_prefix(root) is not None)
    stale = [p for p, text in outputs.files.items() if read_text(root / p) != text]
    if stale:
        raise GraphbuildError(f"{stale[0]} is out of date: run `graphbuild emit` first")
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
        jobs = [Job(JobKind.BAKE, "bake", wanted[0], argv, builds=tuple(wanted))]
    else:
        bake_text = (root / settings.bake).read_text(encoding="utf-8")
        jobs = plan_jobs(analysis.graph, bake_text, wanted, docker, environ)
    if args.dry_run:
        for job in jobs:
            print(shlex.join(job.argv))
        return EXIT_OK
    outcomes = run_jobs(jobs, args.jobs, logs_folder(root), root, environ, print)
    built = {
        str(label): analysis.hashes.targets[label]
        for job, outcome in zip(jobs, outcomes, strict=True)
        if outcome.status is JobStatus.OK
        for label in job.builds
    }
    if built:
        with open_store(root) as store:
            record_built(store, built)
    failed = [o for o in outcomes if o.status is not JobStatus.OK]
    for outcome in failed:
        print(f"{outcome.name}: {outcome.status}", file=sys.stderr)
    return EXIT_CHANGES if failed else EXIT_OK

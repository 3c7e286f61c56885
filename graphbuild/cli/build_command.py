"""`build`: run the bake file's images on BuildKit."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs

from graphbuild.analysis.run import Analysis, analyze
from graphbuild.build.docker import Job, Request, engine_has
from graphbuild.build.docker_cli import DockerCli
from graphbuild.build.driver_kinds import Driver
from graphbuild.build.drivers import Session, make_driver
from graphbuild.build.record import BuiltImage, load_built, record_built
from graphbuild.build.runner import JobStatus, Outcome
from graphbuild.cli.common import EXIT_CHANGES, EXIT_OK
from graphbuild.cli.pushed_digests import check_digests_request, write_digests
from graphbuild.core.errors import GraphbuildError, LoadErrors
from graphbuild.core.labels import Label, parse_label
from graphbuild.definition.fields import PLATFORM_RE
from graphbuild.definition.sources import read_text
from graphbuild.emit.bake import (
    REVISION_VARIABLE,
    bake_name,
    image_ref,
)
from graphbuild.emit.outputs import render_outputs
from graphbuild.hashing.stages import short_hash
from graphbuild.plan.baseline import head_revision, repo_prefix
from graphbuild.plan.format_kinds import DigestsFormat
from graphbuild.state.store import Store, logs_folder, open_store
from graphbuild.tree.git_start import GitRun


def wanted_images(
    args: argparse.Namespace, analysis: Analysis, store: Store, docker: str
) -> list[Label]:
    """The image targets a build asks for: those named; every one with --all, --oci or --test;
    else those not built at their current hash: not in the workspace registry when pushing
    there (or with --registry), else not recorded as built here with their hash tag still in
    the engine's image store."""
    graph = analysis.graph
    images = sorted(t.label for t in graph.images)
    if args.labels:
        wanted = []
        for text in args.labels:
            label = parse_label(text)
            if label not in images:
                raise GraphbuildError(f"{text} is not an image target (images: "
                                      f"{', '.join(str(i) for i in images)})")  # fmt: skip
            wanted.append(label)
        return wanted
    registry = analysis.workspace.settings.registry
    if args.registry or (args.push and registry and not args.all):
        return [i for i in images if not in_registry(analysis, i)]
    if args.all or args.push or args.oci is not None or args.test:
        return images
    built = load_built(store)
    hashes = analysis.hashes.targets
    recorded = [i for i in images if (b := built.get(str(i))) is not None and b.hash == hashes[i]]
    refs = {i: image_ref(registry, graph.targets[i].image or "", hashes[i]) for i in recorded}
    present = engine_has(docker, list(refs.values()))
    return [i for i in images if i not in refs or (present is not None and refs[i] not in present)]


def in_registry(analysis: Analysis, label: Label) -> bool:
    """True when the image's hash tag is in the workspace registry."""
    from graphbuild.plan.image_registry import tag_exists

    registry = analysis.workspace.settings.registry
    if not registry:
        raise GraphbuildError("--registry needs [workspace] registry", file="BUILD.toml")
    image = analysis.graph.targets[label].image or ""
    return tag_exists(registry, image, short_hash(analysis.hashes.targets[label]))


def choose_driver(args: argparse.Namespace, docker: str, buildx: bool) -> tuple[Driver, bool]:
    """The driver asked for (or bake where buildx answers), and whether buildx answers."""
    if args.driver is None:
        return (Driver.BAKE if buildx else Driver.DOCKER_BUILD), buildx
    driver = Driver(args.driver)
    if driver is Driver.BAKE and not buildx:
        raise GraphbuildError(f"--driver bake needs buildx: `{docker} buildx version` failed")
    return driver, buildx


def chosen_builders(
    args: argparse.Namespace, kind: Driver
) -> tuple[tuple[str, ...], dict[str, str]]:
    """The docker contexts --builders names (required by the spread driver, and only by it),
    and, where it gives PLATFORM=CONTEXT pairs, each platform's own builder."""
    if args.builders is None:
        if kind is Driver.SPREAD:
            raise GraphbuildError("--driver spread needs --builders CONTEXT,CONTEXT")
        return (), {}
    if kind is not Driver.SPREAD:
        raise GraphbuildError("--builders goes with --driver spread")
    entries = [n.strip() for n in args.builders.split(",")]
    pairs = [e.partition("=") for e in entries]
    paired = {platform: context for platform, sep, context in pairs if sep}
    names = tuple(context or platform for platform, _, context in pairs)
    wrong = repr(args.builders)
    bad = [n for n in names if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.+-]*", n)]
    if bad or len(set(names)) != len(names):
        raise GraphbuildError(f"--builders: expected distinct docker context names, got {wrong}")
    if paired and (len(paired) != len(entries) or not all(map(PLATFORM_RE.match, paired))):
        raise GraphbuildError(
            f"--builders: give every builder as PLATFORM=CONTEXT (linux/arm64=b), or none, got"
            f" {wrong}"
        )
    return names, paired


def run_build(
    args: argparse.Namespace, root: Path, cli: DockerCli, git: GitRun | None = None
) -> int:
    """`graphbuild build`: the emitted files must be current; exit 1 when a build fails. The
    workspace lock is held while analysing and while recording, not while images build (`git`:
    the commands of git's view, when started already)."""
    if args.registry and args.all:
        raise GraphbuildError("--registry leaves out what is pushed: it goes without --all")
    docker, buildx_answers = cli
    with open_store(root) as store:
        analysis = analyze(root, store=store, git=git)
        wanted = wanted_images(args, analysis, store, docker)
    graph, settings = analysis.graph, analysis.workspace.settings
    check_digests_request(args.digests, args.push, settings.registry)
    outputs = render_outputs(graph, analysis.hashes, repo_prefix(root) is not None)
    stale = [p for p, text in outputs.files.items() if read_text(root, p) != text]
    if stale:
        raise GraphbuildError(f"{stale[0]} is out of date: run `graphbuild emit` first")
    if not wanted:
        where = "in the registry" if args.registry or args.push else "here"
        print(f"nothing to build: every image is built {where} at its current hash")
        return digests_written(args, analysis, EXIT_OK)
    if args.jobs < 1:
        raise GraphbuildError("--jobs must be at least 1")
    kind, buildx = choose_driver(args, docker, buildx_answers())
    builders, platform_builders = chosen_builders(args, kind)
    environ = dict(os.environ)
    if REVISION_VARIABLE not in environ and (revision := head_revision(root)):
        environ[REVISION_VARIABLE] = revision
    names = {t.label: bake_name(t.image or "") for t in graph.images}
    log_dir = logs_folder(root)
    oci = None
    if args.oci is not None:
        if args.push or args.load:
            raise GraphbuildError("--oci writes tarballs: it goes without --push and --load")
        if not buildx:
            raise GraphbuildError("--oci needs buildx (the 20.10 builder cannot export OCI)")
        oci = Path(os.path.relpath(Path(args.oci).resolve(), root))
        (root / oci).mkdir(parents=True, exist_ok=True)
    load = args.load or (not args.push and oci is None)
    request = Request(docker, buildx, args.push, load, log_dir.relative_to(root), oci)
    if args.test:  # test stages make no image: nothing to load or push
        request = attrs.evolve(request, load=False, push=False)
    session = Session(graph, analysis.hashes, names, settings.bake,
                      read_text(root, settings.bake) or "", request, root, environ,
                      args.jobs, args.fail_fast, builders=builders,
                      platform_builders=platform_builders)  # fmt: skip
    driver = make_driver(kind, session)
    if not args.dry_run:
        check_platforms(analysis, wanted, docker)
    if args.test:
        from graphbuild.cli.test_command import run_tests

        return run_tests(args, analysis, driver, wanted, names, root)
    if args.dry_run:
        return print_commands(driver.commands(wanted))
    builds = driver.build(wanted)
    outcomes = [outcome for _, outcome in builds]
    report_builds([(names[lb], o) for lb, o in builds])
    built = {
        str(label): BuiltImage(analysis.hashes.targets[label], outcome.image)
        for label, outcome in builds
        if outcome.status is JobStatus.OK
    }
    if built:
        with open_store(root) as store:
            record_built(store, built)
    return digests_written(args, analysis, exit_code(outcomes))


def digests_written(args: argparse.Namespace, analysis: Analysis, code: int) -> int:
    """With --digests: write the file after a push that ended well, naming the images it
    leaves out (not in the registry); `code` otherwise."""
    if args.digests is None or code != EXIT_OK:
        return code
    missing = write_digests(analysis, args.digests, DigestsFormat(args.digests_format))
    print(f"wrote {args.digests} ({len(analysis.graph.images) - len(missing)} images)")
    for label in missing:
        print(f"{label}: its hash tag is not in the registry: left out of {args.digests}",
              file=sys.stderr)  # fmt: skip
    return EXIT_CHANGES if missing else code


def check_platforms(analysis: Analysis, wanted: Sequence[Label], docker: str) -> None:
    """Every base of the wanted images has every platform they are built for (asked of the
    engine); else one line per base that lacks one, and nothing is built."""
    from graphbuild.build.platforms import platform_problems

    problems = platform_problems(analysis.graph, wanted, docker)
    if problems:
        raise LoadErrors(problems)


def report_builds(builds: Sequence[tuple[str, Outcome]]) -> None:
    """One line: what was built, what failed and what was skipped for it (when not all built)."""
    by_status: dict[JobStatus, list[str]] = {}
    for name, outcome in builds:
        by_status.setdefault(outcome.status, []).append(name)
    if set(by_status) <= {JobStatus.OK}:
        return
    parts = [f"built {len(by_status.get(JobStatus.OK, []))}"]
    for status, word in ((JobStatus.FAILED, "failed"), (JobStatus.SKIPPED, "skipped"),
                         (JobStatus.CANCELLED, "cancelled")):  # fmt: skip
        if by_status.get(status):
            parts.append(f"{word} {len(by_status[status])}: {', '.join(by_status[status])}")
    print("; ".join(parts))


def print_commands(jobs: list[Job]) -> int:
    """`--dry-run`: each job's command line."""
    for job in jobs:
        print(" ".join([*(f"{k}={shlex.quote(v)}" for k, v in job.environ), shlex.join(job.argv)]))
    return EXIT_OK


def exit_code(outcomes: list[Outcome]) -> int:
    """Name every job that did not end ok on stderr; exit 1 if there is one."""
    failed = [o for o in outcomes if o.status is not JobStatus.OK]
    for outcome in failed:
        print(f"{outcome.name}: {outcome.status}", file=sys.stderr)
    return EXIT_CHANGES if failed else EXIT_OK

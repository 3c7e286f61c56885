"""`build`: run the bake file's images on BuildKit."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

import attrs

from graphbuild.analysis.run import Analysis, analyze
from graphbuild.build.bake_run import run_bake
from graphbuild.build.docker import (
    Driver,
    Job,
    JobKind,
    Request,
    bake_job,
    docker_build_jobs,
    docker_build_test_jobs,
    engine_has,
    find_docker,
    has_buildx,
    stage_users,
)
from graphbuild.build.record import BuiltImage, load_built, record_built
from graphbuild.build.runner import JobStatus, Outcome, run_jobs
from graphbuild.build.test_reports import Verdict, read_report, summary
from graphbuild.cli.common import EXIT_CHANGES, EXIT_OK, read_text
from graphbuild.cli.pushed_digests import check_digests_request, write_digests
from graphbuild.core.errors import GraphbuildError
from graphbuild.core.labels import Label, parse_label
from graphbuild.emit.bake import (
    REVISION_VARIABLE,
    bake_name,
    image_ref,
    reports_folder,
    test_name,
    test_report_name,
)
from graphbuild.emit.names import emitted_stages
from graphbuild.emit.outputs import render_outputs
from graphbuild.hashing.stages import short_hash
from graphbuild.plan.baseline import head_revision, repo_prefix
from graphbuild.plan.deploy_digests import DigestsFormat
from graphbuild.state.store import Store, logs_folder, open_store


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


def choose_driver(args: argparse.Namespace, docker: str) -> tuple[Driver, bool]:
    """The driver asked for (or bake where buildx answers), and whether buildx answers."""
    buildx = has_buildx(docker)
    if args.driver is None:
        return (Driver.BAKE if buildx else Driver.DOCKER_BUILD), buildx
    driver = Driver(args.driver)
    if driver is Driver.BAKE and not buildx:
        raise GraphbuildError(f"--driver bake needs buildx: `{docker} buildx version` failed")
    return driver, buildx


def run_build(args: argparse.Namespace, root: Path) -> int:
    """`graphbuild build`: the emitted files must be current; exit 1 when a build fails. The
    workspace lock is held while analysing and while recording, not while images build."""
    if args.registry and args.all:
        raise GraphbuildError("--registry leaves out what is pushed: it goes without --all")
    docker = find_docker(args.docker)
    with open_store(root) as store:
        analysis = analyze(root, store=store)
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
    driver, buildx = choose_driver(args, docker)
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
    if args.test:
        return run_tests(args, analysis, driver, wanted, names, request, root, environ)
    if driver is Driver.BAKE:
        jobs = [bake_job([settings.bake], names, request, wanted)]
    else:
        bake_text = read_text(root, settings.bake) or ""
        jobs = docker_build_jobs(graph, bake_text, wanted, request, environ)
    if args.dry_run:
        return print_commands(jobs)
    if driver is Driver.BAKE:
        _stages, stage_names = emitted_stages(graph, analysis.hashes)
        users = stage_users(graph, stage_names, {graph.outputs[lb]: names[lb] for lb in wanted})
        outcomes = run_bake(jobs[0], users, log_dir, root, environ, print)
        builds = list(zip(wanted, outcomes, strict=True))
    else:
        outcomes = run_jobs(jobs, args.jobs, log_dir, root, environ, print)
        builds = image_outcomes(jobs, outcomes)
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


def print_commands(jobs: list[Job]) -> int:
    """`--dry-run`: each job's command line."""
    for job in jobs:
        print(shlex.join(job.argv))
    return EXIT_OK


def exit_code(outcomes: list[Outcome]) -> int:
    """Name every job that did not end ok on stderr; exit 1 if there is one."""
    failed = [o for o in outcomes if o.status is not JobStatus.OK]
    for outcome in failed:
        print(f"{outcome.name}: {outcome.status}", file=sys.stderr)
    return EXIT_CHANGES if failed else EXIT_OK


def run_tests(
    args: argparse.Namespace,
    analysis: Analysis,
    driver: Driver,
    wanted: list[Label],
    names: dict[Label, str],
    request: Request,
    root: Path,
    environ: dict[str, str],
) -> int:
    """`build --test`: build the test report stage of each wanted image that has tests (its
    tests' JUnit XML and exit code, exported whether they passed or not), print a summary per
    image, copy the reports under --reports; nothing is recorded as built (no image is made).
    Exit 1 when a test failed or a build did."""
    graph = analysis.graph
    tested = [label for label in wanted if label in graph.tests]
    if not tested:
        raise GraphbuildError("no wanted image has tests (python_app's `tests` key)")
    if args.push or args.oci:
        raise GraphbuildError("--test builds no image: it goes without --push and --oci")
    reported = {lb for lb in tested if lb in graph.test_reports}
    tests = {lb: (test_report_name if lb in reported else test_name)(names[lb]) for lb in tested}
    test_request = attrs.evolve(request, load=False, push=False)
    bake_file = analysis.workspace.settings.bake
    if driver is Driver.BAKE:
        jobs = [bake_job([bake_file], tests, test_request, tested)]
    else:
        bake_text = read_text(root, bake_file) or ""
        jobs = docker_build_test_jobs(bake_text, tests, test_request, environ)
    if args.dry_run:
        return print_commands(jobs)
    folders = {lb: owned_folder(root, reports_folder(names[lb])) for lb in sorted(reported)}
    for folder in folders.values():
        shutil.rmtree(folder, ignore_errors=True)  # a report from before must not stand in
    if driver is Driver.BAKE:
        _stages, stage_names = emitted_stages(graph, analysis.hashes)
        built = {(graph.test_reports if lb in reported else graph.tests)[lb]: tests[lb]
                 for lb in tested}  # fmt: skip
        users = stage_users(graph, stage_names, built)
        outcomes = run_bake(jobs[0], users, logs_folder(root), root, environ, print,
                            makes_images=False)  # fmt: skip
    else:
        outcomes = run_jobs(jobs, args.jobs, logs_folder(root), root, environ, print)
    failed = report_tests(folders, names, root, args.reports)
    return max(exit_code(outcomes), EXIT_CHANGES if failed else EXIT_OK)


def report_tests(
    folders: Mapping[Label, Path], names: Mapping[Label, str], root: Path, copy_to: str | None
) -> bool:
    """Print each image's test summary and copy its reports to `copy_to`/<image>; True when
    an image's tests failed or left no report."""
    failed = False
    for label, folder in folders.items():
        report = read_report(folder)
        where = folder.relative_to(root)
        if copy_to is not None and report.verdict is not Verdict.MISSING:
            destination = Path(copy_to) / names[label]
            shutil.copytree(folder, destination, symlinks=True, dirs_exist_ok=True)
            where = destination
        for line in summary(names[label], report, str(where)):
            print(line)
        failed |= report.verdict is not Verdict.PASSED
    return failed


def owned_folder(root: Path, relative: str) -> Path:
    """A folder below .graphbuild/ that graphbuild may empty: refused when a symlink on the
    way would put it elsewhere (a checkout may hold one)."""
    folder = root / relative
    if folder.resolve() != root.resolve() / relative:
        raise GraphbuildError(f"{relative}: a symlink on the way leads out of .graphbuild/")
    return folder


def image_outcomes(jobs: list[Job], outcomes: list[Outcome]) -> list[tuple[Label, Outcome]]:
    """Each image built by a docker-build job with its outcome; with --push, an image counts as
    built only when its push succeeded too."""
    by_name = {o.name: o for o in outcomes}
    result = []
    for job, outcome in zip(jobs, outcomes, strict=True):
        if job.kind is not JobKind.IMAGE:
            continue
        push = by_name.get(f"{job.name}.push")
        if push is not None and push.status is not JobStatus.OK:
            outcome = Outcome(outcome.name, push.status, outcome.seconds, outcome.log)
        result.append((job.label, outcome))
    return result

"""`build --test`: the images' tests run on BuildKit, their reports exported and summed up."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Mapping
from pathlib import Path

from graphbuild.analysis.run import Analysis
from graphbuild.build.drivers import BuildDriver
from graphbuild.build.test_reports import Verdict, read_report, summary
from graphbuild.cli.build_command import exit_code, print_commands
from graphbuild.cli.common import EXIT_CHANGES, EXIT_OK
from graphbuild.core.errors import GraphbuildError
from graphbuild.core.labels import Label
from graphbuild.emit.bake import reports_folder, test_name, test_report_name


def run_tests(
    args: argparse.Namespace,
    analysis: Analysis,
    driver: BuildDriver,
    wanted: list[Label],
    names: dict[Label, str],
    root: Path,
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
    if args.dry_run:
        return print_commands(driver.target_commands(tests))
    folders = {lb: owned_folder(root, reports_folder(names[lb])) for lb in sorted(reported)}
    for folder in folders.values():
        shutil.rmtree(folder, ignore_errors=True)  # a report from before must not stand in
    stages = {lb: (graph.test_reports if lb in reported else graph.tests)[lb] for lb in tested}
    outcomes = [outcome for _, outcome in driver.run_targets(tests, stages)]
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
            try:
                shutil.copytree(folder, destination, symlinks=True, dirs_exist_ok=True)
            except (OSError, shutil.Error) as err:
                raise GraphbuildError(
                    f"--reports {copy_to}: cannot copy the reports: {err}"
                ) from None
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

"""What an image's tests reported: the exit code its #test-run stage kept and the counts of
its JUnit XML (pytest's, or any file a test command wrote there), read after the export."""

from __future__ import annotations

import enum
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import attrs

JUNIT = "junit.xml"
EXIT_CODE = "exit-code"
MAX_REPORT = 64 << 20  # bytes read of a report: it comes from the repository's own tests
SHOWN_FAILURES = 5


class Verdict(enum.StrEnum):
    """How an image's tests ended."""

    PASSED = "tests passed"
    FAILED = "tests failed"
    MISSING = "no test report"  # the export holds no exit code: the tests did not run


@attrs.frozen
class Counts:
    """The totals of a JUnit XML file, and the first failures (`test id: message`)."""

    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    failed: tuple[str, ...] = ()

    @property
    def passed(self) -> int:
        """Tests that neither failed, erred nor were skipped."""
        return self.tests - self.failures - self.errors - self.skipped


@attrs.frozen
class ReportedTests:
    """One image's test outcome."""

    verdict: Verdict
    exit_code: int | None
    counts: Counts | None  # None: no JUnit XML, or one that does not parse


def parse_junit(data: bytes) -> Counts | None:
    """The totals of every <testsuite> and the first failing <testcase>s; None if not JUnit."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if root.tag not in ("testsuite", "testsuites"):
        return None
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        for key in totals:
            value = suite.get(key, "0")
            totals[key] += int(value) if value.isdigit() else 0
    failed: list[str] = []
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None and len(failed) < SHOWN_FAILURES:
            name = "::".join(p for p in (case.get("classname"), case.get("name")) if p)
            message = (problem.get("message") or "").splitlines()
            failed.append(f"{name}: {message[0]}" if message else name)
    return Counts(**totals, failed=tuple(failed))


def read_report(folder: Path) -> ReportedTests:
    """The report an image's #test-report export left in `folder`."""
    code = read_bounded(folder / EXIT_CODE)
    junit = read_bounded(folder / JUNIT)
    counts = parse_junit(junit) if junit is not None else None
    if code is None or not code.strip().isdigit():
        return ReportedTests(Verdict.MISSING, None, counts)
    exit_code = int(code.strip())
    return ReportedTests(Verdict.PASSED if exit_code == 0 else Verdict.FAILED, exit_code, counts)


def read_bounded(path: Path) -> bytes | None:
    """A report file's first MAX_REPORT bytes; None if it is not a regular file."""
    if path.is_symlink() or not path.is_file():
        return None
    with path.open("rb") as handle:
        return handle.read(MAX_REPORT)


def summary(name: str, report: ReportedTests, where: str) -> list[str]:
    """The lines `build --test` prints for one image."""
    counts = report.counts
    if counts is None:
        totals = "no JUnit XML"
    else:
        parts = [f"{counts.passed} passed"]
        parts += [f"{n} {word}" for n, word in ((counts.failures, "failed"),
                  (counts.errors, "errors"), (counts.skipped, "skipped")) if n]  # fmt: skip
        totals = ", ".join(parts)
    code = "" if report.exit_code in (None, 0, 1) else f", exit code {report.exit_code}"
    lines = [f"{name}: {report.verdict}: {totals}{code} ({where})"]
    if counts is not None and report.verdict is not Verdict.PASSED:
        lines += [f"  {failure}" for failure in counts.failed]
    return lines

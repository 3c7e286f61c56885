"""`build --test`'s reading of the reports an image's #test-report stage exports: the exit
code, the JUnit XML's totals and first failures, and the summary lines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graphbuild.build.test_reports import (
    Counts,
    ReportedTests,
    Verdict,
    parse_junit,
    read_report,
    summary,
)
from graphbuild.cli.test_command import owned_folder
from graphbuild.core.errors import GraphbuildError

PYTEST_XML = b"""<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest"
errors="0" failures="1" skipped="1" tests="4" time="0.1"><testcase classname="tests.test_app"
name="test_ok"/><testcase classname="tests.test_app" name="test_fails"><failure
message="assert 1 == 2&#10;+  where 1 = f()">trace</failure></testcase><testcase
classname="tests.test_app" name="test_skip"><skipped message="later"/></testcase><testcase
classname="tests.test_app" name="test_ok2"/></testsuite></testsuites>"""


def test_pytest_junit_totals_and_failures():
    counts = parse_junit(PYTEST_XML)
    assert counts == Counts(4, 1, 0, 1, ("tests.test_app::test_fails: assert 1 == 2",))
    assert counts is not None and counts.passed == 2


def test_a_bare_testsuite_and_not_junit():
    counts = parse_junit(
        b'<testsuite tests="3" errors="1"><testcase name="t"><error/></testcase></testsuite>'
    )
    assert counts == Counts(3, 0, 1, 0, ("t",))
    assert parse_junit(b"<html/>") is None
    assert parse_junit(b"not xml") is None


def test_the_exit_code_decides(tmp_path: Path):
    (tmp_path / "exit-code").write_text("1\n")
    (tmp_path / "junit.xml").write_bytes(PYTEST_XML)
    report = read_report(tmp_path)
    assert report.verdict is Verdict.FAILED and report.exit_code == 1
    (tmp_path / "exit-code").write_text("0\n")
    assert read_report(tmp_path).verdict is Verdict.PASSED
    (tmp_path / "exit-code").unlink()
    assert read_report(tmp_path).verdict is Verdict.MISSING


def test_a_symlinked_report_is_not_read(tmp_path: Path):
    (tmp_path / "secret").write_text("0\n")
    os.symlink(tmp_path / "secret", tmp_path / "exit-code")
    assert read_report(tmp_path).verdict is Verdict.MISSING


def test_summary_lines(text_snapshot):
    failed = ReportedTests(Verdict.FAILED, 1, parse_junit(PYTEST_XML))
    lines = [
        *summary("app", failed, "reports/app"),
        *summary("api", ReportedTests(Verdict.PASSED, 0, Counts(5)), "x/api"),
        *summary("job", ReportedTests(Verdict.FAILED, 2, None), "x/job"),
        *summary("cli", ReportedTests(Verdict.MISSING, None, None), "x/cli"),
    ]
    assert "\n".join(lines) + "\n" == text_snapshot


def test_report_folders_stay_in_graphbuilds_own(tmp_path: Path):
    (tmp_path / ".graphbuild").mkdir()
    assert owned_folder(tmp_path, ".graphbuild/test-reports/app") == (
        tmp_path / ".graphbuild/test-reports/app"
    )
    os.symlink("/etc", tmp_path / ".graphbuild/test-reports")
    with pytest.raises(GraphbuildError, match=r"leads out of \.graphbuild"):
        owned_folder(tmp_path, ".graphbuild/test-reports/app")

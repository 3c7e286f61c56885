"""An app's tests on the real engine: `graphbuild build --test` runs python_app's tests (the
builder's venv, the test tools, the source and the tests) through both drivers and exports
their JUnit XML and exit code, passed or failed; a failing test exits 1 with its report, a bake
of the test group still fails on it, and the image holds neither the tests nor pytest."""

from __future__ import annotations

import json
import shutil
import uuid
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.e2e_support import DRIVERS, docker, on_local_bases, steps_in
from tests.support import FIXTURES, copy_example, run
from tests.support.example_variants import API_TEST, with_api_tests

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tested(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("e2e-tests") / "ws"
    shutil.copytree(FIXTURES / "workspaces/app_tests", root)
    on_local_bases(root)
    with open(root / "images/app/tests/test_app.py", "a") as handle:
        handle.write(f"# {uuid.uuid4()}\n")  # new to the engine: the tests run, not CACHED
    assert run("emit", cwd=root).code == 0
    return root


@pytest.mark.parametrize("driver", DRIVERS)
def test_build_test_runs_the_tests(tested: Path, driver: str, tmp_path: Path):
    result = run("build", "--test", "--driver", driver, "--reports", str(tmp_path), cwd=tested)
    assert result.code == 0, result.out[-3000:] + result.err
    log = (tested / ".graphbuild/logs/app-test-report.log").read_text()
    # the first driver runs them; the second finds the stage CACHED at the same content hash,
    # as a test result should be
    step = next(s for s in steps_in(log) if "python -m pytest -q" in s)
    assert "1 passed" in log or steps_in(log)[step][1] == "CACHED"
    assert "[app-test-report] building //images/app:app" in result.out
    assert f"app: tests passed: 1 passed ({tmp_path}/app)" in result.out.splitlines()
    junit = ElementTree.parse(tmp_path / "app/junit.xml").getroot()
    assert [c.get("name") for c in junit.iter("testcase")] == ["test_greet"]
    assert (tmp_path / "app/exit-code").read_text() == "0\n"


def test_a_failing_test_gives_its_report_and_exit_1_and_the_image_has_no_tests(tested: Path):
    test_file = tested / "images/app/tests/test_app.py"
    passing = test_file.read_text()
    test_file.write_text(passing + "\n\ndef test_fails():\n    assert 1 == 2\n")
    assert run("emit", cwd=tested).code == 0
    result = run("build", "--test", cwd=tested)
    assert result.code == 1, result.out[-3000:] + result.err
    lines = result.out.splitlines()
    at = lines.index("app: tests failed: 1 passed, 1 failed (.graphbuild/test-reports/app)")
    assert lines[at + 1] == "  tests.test_app::test_fails: assert 1 == 2"
    junit = ElementTree.parse(tested / ".graphbuild/test-reports/app/junit.xml").getroot()
    failures = [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None]
    assert failures == ["test_fails"]
    assert result.err == ""  # the build ran; the tests failed, and the summary says so
    # a bake of the test group still fails on a failing test
    bake = docker("buildx", "bake", "--file", "build/docker-bake.json", "test", check=False,
                  cwd=tested)  # fmt: skip
    assert bake.returncode != 0
    assert 'exit "$(cat /test-reports/exit-code)"' in bake.stderr
    test_file.write_text(passing)
    assert run("emit", cwd=tested).code == 0
    result = run("build", cwd=tested)
    assert result.code == 0, result.out[-3000:] + result.err
    tag = json.loads((tested / "build/docker-bake.json").read_text())["target"]["app"]["tags"][0]
    script = "ls /app; python -c 'import pytest' 2>/dev/null && echo has-pytest; python -m app"
    out = docker("run", "--rm", "--entrypoint", "sh", tag, "-c", script).stdout.splitlines()
    assert out == ["app", "hello world (six 1.16.0)"]  # no tests/, no pytest


def test_the_examples_api_reports_a_pass_then_a_failure(tmp_path: Path):
    root = copy_example(tmp_path / "ws")
    on_local_bases(root)
    with_api_tests(root, API_TEST)
    assert run("emit", cwd=root).code == 0
    reports = tmp_path / "reports"
    result = run("build", "--test", "--reports", str(reports), cwd=root)
    assert result.code == 0, result.out[-3000:] + result.err
    assert f"api: tests passed: 1 passed ({reports}/api)" in result.out.splitlines()
    junit = ElementTree.parse(reports / "api/junit.xml").getroot()
    assert [c.get("name") for c in junit.iter("testcase")] == ["test_healthz"]
    failing = API_TEST + "\n\ndef test_price():\n    assert app.name == 'billing'\n"
    (root / "images/api/tests/test_api.py").write_text(failing)
    assert run("emit", cwd=root).code == 0
    result = run("build", "--test", "--reports", str(reports), cwd=root)
    assert result.code == 1, result.out[-3000:] + result.err
    assert f"api: tests failed: 1 passed, 1 failed ({reports}/api)" in result.out.splitlines()
    junit = ElementTree.parse(reports / "api/junit.xml").getroot()
    failures = [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None]
    assert failures == ["test_price"]
    assert (reports / "api/exit-code").read_text() == "1\n"

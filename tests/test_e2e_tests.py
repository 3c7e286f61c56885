"""An app's tests on the real engine: `graphbuild build --test` runs python_app's #test stage
(the builder's venv, the test tools, the source and the tests) through both drivers, a failing
test fails the build with its log tail, and the image holds neither the tests nor pytest."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run
from tests.e2e_support import DRIVERS, docker, on_local_bases, steps_in

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
def test_build_test_runs_the_tests(tested: Path, driver: str):
    result = run("build", "--test", "--driver", driver, cwd=tested)
    assert result.code == 0, result.out[-3000:] + result.err
    log = (tested / ".graphbuild/logs/app-test.log").read_text()
    # the first driver runs them; the second finds the stage CACHED at the same content hash,
    # as a test result should be
    assert "1 passed" in log or steps_in(log)["RUN python -m pytest -q"][1] == "CACHED"
    assert "[app-test] building //images/app:app" in result.out


def test_a_failing_test_fails_the_build_and_the_image_has_no_tests(tested: Path):
    test_file = tested / "images/app/tests/test_app.py"
    passing = test_file.read_text()
    test_file.write_text(passing + "\n\ndef test_fails():\n    assert 1 == 2\n")
    assert run("emit", cwd=tested).code == 0
    result = run("build", "--test", cwd=tested)
    assert result.code == 1
    assert "[app-test] FAILED" in result.out
    assert "1 failed, 1 passed" in result.out  # pytest's summary, in the failure's tail
    assert result.err.splitlines() == ["app-test: failed"]
    test_file.write_text(passing)
    assert run("emit", cwd=tested).code == 0
    result = run("build", cwd=tested)
    assert result.code == 0, result.out[-3000:] + result.err
    tag = json.loads((tested / "build/docker-bake.json").read_text())["target"]["app"]["tags"][0]
    script = "ls /app; python -c 'import pytest' 2>/dev/null && echo has-pytest; python -m app"
    out = docker("run", "--rm", "--entrypoint", "sh", tag, "-c", script).stdout.splitlines()
    assert out == ["app", "hello world (six 1.16.0)"]  # no tests/, no pytest

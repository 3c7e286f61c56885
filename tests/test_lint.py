"""`graphbuild lint`: each check fires on its fixture, the example and the rule scenarios lint
clean, and the output is stable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from graphbuild.lint import CHECKS
from tests.support import FIXTURES, REPO, run
from tests.support.fake_docker import BOTH_PLATFORMS, platform_docker

LINT_CASES = sorted(p.name for p in (FIXTURES / "lint").iterdir() if p.is_dir())


def test_every_check_has_a_failing_fixture():
    assert sorted({case.split("-")[0] for case in LINT_CASES}) == sorted(CHECKS)


@pytest.mark.parametrize("case", LINT_CASES)
def test_check_fires_on_its_fixture(
    case: str, tmp_path: Path, text_snapshot, monkeypatch: pytest.MonkeyPatch
):
    if case.startswith("GB105"):  # it asks the engine: a stand-in with an amd64-only base
        monkeypatch.setenv("GRAPHBUILD_DOCKER", platform_docker(tmp_path))
    workspace = tmp_path / case
    shutil.copytree(FIXTURES / "lint" / case, workspace)
    result = run("lint", "--format", "json", cwd=workspace)
    findings = json.loads(result.out)["findings"]
    check_id = case.split("-")[0]
    assert check_id in {f["id"] for f in findings}
    for f in findings:
        assert set(f) == {"id", "severity", "label", "key", "message", "hint", "file", "line"}
        assert f["severity"] == CHECKS[f["id"]].severity
    errors = any(f["severity"] == "error" for f in findings)
    assert result.code == (1 if errors else 0)
    text = run("lint", cwd=workspace)
    assert text.code == result.code
    assert text.out == text_snapshot


@pytest.mark.parametrize("workspace", ["example", "rules_python"])
def test_good_workspaces_lint_clean(workspace: str, tmp_path: Path):
    path = REPO if workspace == "example" else FIXTURES / "workspaces" / workspace
    result = run("lint", cwd=path)
    assert (result.code, result.out) == (0, "lint: clean\n")


def test_json_summary(tmp_path: Path, json_snapshot):
    result = run("lint", "--format", "json", cwd=FIXTURES / "lint" / "GB402-secret-arg")
    document = json.loads(result.out)
    assert document["summary"] == {"error": 3, "warning": 0, "info": 0}
    assert result.out == json_snapshot


CLEAN_CASES = sorted(p.name for p in (FIXTURES / "lint-clean").iterdir() if p.is_dir())


def test_every_check_has_a_fixture_it_must_not_fire_on():
    assert sorted({case.split("-")[0] for case in CLEAN_CASES}) == sorted(CHECKS)


@pytest.mark.parametrize("case", CLEAN_CASES)
def test_check_does_not_fire_where_it_must_not(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A near miss of each check (some it once fired on wrongly: GB602 on cache-mounted apt
    lists, GB603 with PIP_NO_CACHE_DIR set, GB402 on *_PASSWORD_FILE): its id must not be
    among the findings."""
    if case.startswith("GB105"):  # the stand-in's registry has both platforms of the base
        monkeypatch.setenv("GRAPHBUILD_DOCKER", platform_docker(tmp_path, BOTH_PLATFORMS))
    workspace = tmp_path / case
    shutil.copytree(FIXTURES / "lint-clean" / case, workspace)
    result = run("lint", "--format", "json", cwd=workspace)
    assert result.code in (0, 1), result.err
    fired = {f["id"] for f in json.loads(result.out)["findings"]}
    assert case.split("-")[0] not in fired, fired


def test_an_interpreter_from_an_image_shares_it_with_the_builder(tmp_path: Path):
    """Method image: no GB502 (builder and runtime are the same image's Python); GB104 says
    the image does not take the shared security updates a distro_base would."""
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspaces/python_image", workspace)
    findings = json.loads(run("lint", "--format", "json", cwd=workspace).out)["findings"]
    assert [(f["id"], f["label"]) for f in findings] == [("GB104", "//app:app")]

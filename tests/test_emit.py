"""`graphbuild emit`: the combined Dockerfile, the bake file, drift checks and safe writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graphbuild.analysis.load import load_workspace
from graphbuild.core import writes
from tests.dockerfile_checks import check_bake, check_dockerfile
from tests.support import FIXTURES, REPO, copy_example, run
from tests.support.example_variants import API_TEST, with_api_tests

SCENARIOS = sorted(p.name for p in (FIXTURES / "workspaces").iterdir() if p.is_dir())


def emitted(workspace: Path) -> dict[str, str]:
    settings = load_workspace(workspace).settings
    paths = [settings.dockerfile, f"{settings.dockerfile}.dockerignore", settings.bake]
    return {p: (workspace / p).read_text() for p in paths}


def check_workspace(workspace: Path) -> tuple[list[str], dict]:
    loaded = load_workspace(workspace)
    externals = {e.image for e in loaded.externals.values()}
    files = emitted(workspace)
    stages = check_dockerfile(files[loaded.settings.dockerfile], externals)
    bake = check_bake(files[loaded.settings.bake], stages, loaded.settings.dockerfile)
    return stages, bake


def test_example_emits_valid_files(
    example: Path, full_dockerfile_snapshot, json_snapshot, full_text_snapshot
):
    """The example's files whole: the one place the generated headers are snapshotted."""
    result = run("emit", cwd=example)
    assert result.code == 0, result.err
    _, bake = check_workspace(example)
    files = emitted(example)
    assert files["build/Dockerfile"] == full_dockerfile_snapshot(name="Dockerfile")
    assert files["build/docker-bake.json"] == json_snapshot(name="bake")
    assert files["build/Dockerfile.dockerignore"] == full_text_snapshot(name="dockerignore")
    assert set(bake["group"]) == {"default", "python-3-11", "python-3-13"}


def test_example_shares_a_stage_between_images(example: Path):
    run("emit", cwd=example)
    text = (example / "build/Dockerfile").read_text()
    shared = (
        "# //images/api:api#runtime-base, //images/report:report#runtime-base,"
        " //images/worker:worker@3.11#runtime-base\n"
    )
    assert text.count(shared) == 1
    # api, report, worker 3.11, and api-dev: its tools, then api's runtime repeated
    assert text.count("FROM images-api-runtime-base AS") == 4


def test_an_image_imports_the_caches_of_the_images_whose_stages_it_needs(example: Path):
    """api-dev is built on api's runtime base and copies api's venv and member install, not on
    the api image: on a fresh machine it still starts from the layers the api job exported."""
    root = example / "BUILD.toml"
    root.write_text(root.read_text().replace(
        'registry = "registry.example.com/acme"',
        'registry = "registry.example.com/acme"\ncache = "registry"',
    ))  # fmt: skip
    assert run("emit", cwd=example).code == 0
    bake = json.loads((example / "build/docker-bake.json").read_text())["target"]
    caches = {
        name: [c.split("/cache:")[1] for c in target["cache-from"]] for name, target in bake.items()
    }
    assert caches == {
        "api": ["api"],
        "api-dev": ["api-dev", "api"],
        "report": ["report"],  # its runtime-base is api's too, but made by its own target
        "worker-3-11": ["worker-3-11"],
        "worker-3-13": ["worker-3-13"],
    }


def test_checked_in_files_are_current():
    """The repository's own build/ files are what emit produces (the CI drift check)."""
    result = run("emit", "--check", cwd=REPO)
    assert result.code == 0, result.out


@pytest.mark.parametrize("case", SCENARIOS)
def test_scenarios(case: str, tmp_path: Path, dockerfile_snapshot, json_snapshot):
    workspace = tmp_path / case
    shutil.copytree(FIXTURES / "workspaces" / case, workspace)
    result = run("emit", cwd=workspace)
    assert result.code == 0, result.err
    check_workspace(workspace)
    settings = load_workspace(workspace).settings
    assert (workspace / settings.dockerfile).read_text() == dockerfile_snapshot(name="Dockerfile")
    assert (workspace / settings.bake).read_text() == json_snapshot(name="bake")
    assert run("emit", "--check", cwd=workspace).code == 0


def test_shared_stages_scenario_merges_three_identical_stages(tmp_path: Path):
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspaces" / "shared_stages", workspace)
    run("emit", cwd=workspace)
    stages, bake = check_workspace(workspace)
    assert stages == ["base", "svc-alpha-runtime-base", "svc-alpha", "svc-beta", "svc-gamma"]
    assert bake["target"]["beta"]["target"] == "svc-beta"


def test_syntax_line_only_above_the_floor(tmp_path: Path):
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspaces" / "syntax_floor", workspace)
    run("emit", cwd=workspace)
    assert (workspace / "Dockerfile").read_text().startswith("# syntax=docker/dockerfile:1.19\n")
    assert "# syntax" not in (REPO / "build/Dockerfile").read_text()


def test_builtin_frontend_has_no_syntax_line_and_keeps_the_floor(tmp_path: Path):
    """A `# syntax=` line makes BuildKit pull a frontend image; `builtin` trusts the engine's."""
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspaces" / "syntax_floor", workspace)
    text = (workspace / "BUILD.toml").read_text()
    (workspace / "BUILD.toml").write_text(
        text.replace("[workspace]\n", '[workspace]\ndockerfile_frontend = "builtin"\n', 1)
    )
    assert run("emit", cwd=workspace).code == 0
    dockerfile = (workspace / "Dockerfile").read_text()
    assert "# syntax" not in dockerfile and "--exclude=*.map" in dockerfile
    lowered = text.replace('dockerfile_syntax = "1.19"', 'dockerfile_syntax = "1.7"')
    (workspace / "BUILD.toml").write_text(
        lowered.replace("[workspace]\n", '[workspace]\ndockerfile_frontend = "builtin"\n', 1)
    )
    result = run("emit", cwd=workspace)  # the floor still holds: --exclude is 1.19
    assert result.code == 2 and "needs Dockerfile syntax 1.19" in result.err


@pytest.mark.parametrize(
    ("step", "floor"),
    [
        ("COPY --link public/ /srv/", "1.2"),
        ("COPY --exclude=*.map public/ /srv/", "1.4"),
        ("RUN --network=none true", "1.2"),
        ("COPY --parents public/ /srv/", "1.19"),
        ('HEALTHCHECK --start-interval=1s CMD ["true"]', "1.5"),
        ("RUN <<EOF\necho hi\nEOF", "1.3"),
    ],
    ids=["link", "exclude", "network", "parents", "start-interval", "heredoc"],
)
def test_feature_above_the_floor_is_an_error(step: str, floor: str, tmp_path: Path, text_snapshot):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "public").mkdir()
    (workspace / "public/index.html").write_text("hi\n")
    (workspace / "BUILD.toml").write_text(
        f'[workspace]\nname = "f"\ndockerfile_syntax = "{floor}"\n\n[[target]]\nname = "site"\n'
        f'rule = "stages"\nfrom = "scratch"\ninputs = ["public/**"]\nsteps = [{json.dumps(step)}]\n'
    )
    result = run("emit", cwd=workspace)
    assert result.code == 2
    assert result.err == text_snapshot
    assert sorted(p.name for p in workspace.iterdir()) == ["BUILD.toml", "public"]


def emit_subprocess(workspace: Path, seed: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "graphbuild", "emit"], cwd=workspace, check=True,
        capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": seed},
    )  # fmt: skip


def test_two_checkouts_emit_identical_bytes(tmp_path: Path):
    first = copy_example(tmp_path / "one")
    second = copy_example(tmp_path / "two" / "nested")
    emit_subprocess(first, "3")
    emit_subprocess(second, "12345")
    for path in ("build/Dockerfile", "build/Dockerfile.dockerignore", "build/docker-bake.json",
                 "graphbuild.lock"):  # fmt: skip
        assert (first / path).read_bytes() == (second / path).read_bytes(), path


def test_check_passes_after_emit_and_fails_after_an_edit(example: Path, text_snapshot):
    assert run("emit", cwd=example).code == 0
    assert run("emit", "--check", cwd=example).code == 0
    with open(example / "images/worker/src/worker/__main__.py", "a") as handle:
        handle.write("# edit\n")
    before = {p: p.read_bytes() for p in (example / "build").rglob("*") if p.is_file()}
    result = run("emit", "--check", cwd=example)
    assert result.code == 1
    assert result.err == "graphbuild: emitted files are out of date: run `graphbuild emit`\n"
    assert result.out == text_snapshot  # the unified diff
    assert {p: p.read_bytes() for p in (example / "build").rglob("*") if p.is_file()} == before


def test_rebuild_group_lists_changed_images(example: Path):
    run("lock", cwd=example)
    with open(example / "images/worker/src/worker/__main__.py", "a") as handle:
        handle.write("# edit\n")
    run("emit", cwd=example)
    rebuild = json.loads((example / "build/docker-bake.rebuild.json").read_text())
    assert rebuild == {"group": {"rebuild": {"targets": ["worker-3-11", "worker-3-13"]}}}
    assert run("emit", "--check", cwd=example).code == 0


def test_failed_emit_leaves_previous_files_intact(example: Path):
    run("emit", cwd=example)
    before = {p: p.read_bytes() for p in (example / "build").rglob("*") if p.is_file()}
    with open(example / "images/api/BUILD.toml", "a") as build:
        build.write(
            '\n[[target]]\nname = "extra"\nrule = "stages"\nfrom = ":api"\n'
            'inputs = ["src/**"]\nsteps = ["COPY --link src/ /x/"]\n'
        )
    result = run("emit", cwd=example)
    assert result.code == 2
    assert "COPY --link needs Dockerfile syntax 1.4" in result.err
    assert {p: p.read_bytes() for p in (example / "build").rglob("*") if p.is_file()} == before


def test_write_atomic_keeps_the_old_file_when_the_write_fails(tmp_path: Path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old\n")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writes.os, "replace", broken_replace)
    with pytest.raises(OSError):
        writes.write_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_values_that_could_inject_are_escaped(tmp_path: Path):
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspaces" / "raw_stages", workspace)
    run("emit", cwd=workspace)
    text = (workspace / "build/Dockerfile").read_text()
    assert 'ARG GREETING="say \\"hi\\" for \\$5"\n' in text
    check_workspace(workspace)


def test_emitted_files_are_never_inputs(tmp_path: Path):
    """A root stage globbing everything must not read the lock or the Dockerfile it produces:
    they change on every emit and the hashes would chase their own tail."""
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src/a.py").write_text("x = 1\n")
    (root / "BUILD.toml").write_text(
        '[workspace]\nname = "all"\n\n[[target]]\nname = "all"\nrule = "stages"\nimage = true\n'
        'from = "scratch"\ninputs = ["**"]\nsteps = ["COPY . /ctx"]\n'
    )
    assert run("emit", cwd=root).code == 0
    assert run("emit", "--check", cwd=root).code == 0
    ignore = (root / "build/Dockerfile.dockerignore").read_text().splitlines()
    assert {"build/Dockerfile", "build/docker-bake.json", "graphbuild.lock"} <= set(ignore)


def test_a_uv_members_tests_run_on_the_member_installed(example: Path):
    with_api_tests(example, API_TEST)
    assert run("emit", cwd=example).code == 0
    check_workspace(example)  # every COPY has a source and a destination
    text = (example / "build/Dockerfile").read_text()
    stage = text.split("AS images-api-test-run\n")[1].split("\n\n")[0]
    # the member as its image has it (its package in the venv), then the tests; no src COPY
    assert "COPY --from=images-api-member /opt/member/ /opt/venv/\n" in stage
    assert "COPY images/api/tests/ /app/tests/\n" in stage
    assert "COPY  /app/" not in text and "COPY /app/" not in text

"""The command line contract: exit codes, one-line errors, and `build` driven through a fake
docker CLI (progress per target, a failure's log tail, cancellation, the built record)."""

from __future__ import annotations

import json
from pathlib import Path

from graphbuild import __version__
from graphbuild.build.record import load_built
from graphbuild.state.store import Store
from tests.support import run
from tests.support.example_variants import with_image_on_report
from tests.support.fake_docker import fake_docker


def test_version_and_usage_errors(example: Path):
    result = run("--version", cwd=example)
    assert (result.code, result.out) == (0, f"graphbuild {__version__}\n")
    result = run("plan", "--format", "yaml", cwd=example)
    assert result.code == 2
    assert len(result.err.splitlines()) == 1 and "invalid choice: 'yaml'" in result.err
    assert run("frobnicate", cwd=example).code == 2


def test_build_needs_current_emitted_files(emitted: Path, tmp_path: Path):
    result = run("build", "--docker", fake_docker(tmp_path), cwd=emitted)
    assert result.code == 0  # the bundled files are current
    with open(emitted / "images/api/src/api/__init__.py", "a") as handle:
        handle.write("# edit\n")
    result = run("build", "--docker", fake_docker(tmp_path), cwd=emitted)
    assert result.code == 2
    assert result.err == (
        "graphbuild: error: build/docker-bake.json is out of date: run `graphbuild emit` first\n"
    )


def test_build_rejects_labels_that_are_not_images(emitted: Path, tmp_path: Path):
    result = run(
        "build", "//images/base:os@bookworm", "--docker", fake_docker(tmp_path), cwd=emitted
    )
    assert result.code == 2
    assert "is not an image target" in result.err


def test_build_dry_run_prints_docker_build_commands(emitted: Path, tmp_path: Path, text_snapshot):
    docker = fake_docker(tmp_path)
    result = run("build", "--dry-run", "--docker", docker, cwd=emitted)
    assert result.code == 0
    assert result.out.replace(docker, "DOCKER") == text_snapshot


def test_build_runs_in_dependency_order_and_records(example: Path, tmp_path: Path):
    with_image_on_report(example)
    assert run("emit", cwd=example).code == 0
    result = run("build", "--jobs", "2", "--docker", fake_docker(tmp_path), cwd=example)
    assert result.code == 0, result.out
    lines = result.out.splitlines()
    assert "[api] #2 CACHED" in lines
    nightly = lines.index("[nightly] building //images/report:nightly")
    assert any(line.startswith("[report] built in") for line in lines[:nightly])
    built = load_built(Store(example / ".graphbuild"))
    lock = json.loads(run("plan", "--format", "json", cwd=example).out)
    hashes = {t["label"]: t["hash"] for t in lock["targets"] if t["kind"] == "image"}
    assert {label: b.hash for label, b in built.items()} == hashes
    assert {b.image for b in built.values()} == {"sha256:" + "7".zfill(64)}  # from --iidfile
    again = run("build", "--rebuild", "--docker", fake_docker(tmp_path), cwd=example)
    assert again.out == "nothing to build: every image is built here at its current hash\n"


def test_a_failed_build_shows_its_tail_and_the_rest_goes_on(example: Path, tmp_path: Path):
    with_image_on_report(example)
    assert run("emit", cwd=example).code == 0
    docker = fake_docker(tmp_path, fail="images-report", delay=2)
    result = run("build", "--jobs", "2", "--docker", docker, cwd=example)
    assert result.code == 1
    assert "[report] FAILED" in result.out
    assert "[report] | #3 ERROR: exit code: 1" in result.out
    assert result.err.splitlines() == [  # by name
        "nightly: skipped: built on an image that failed",
        "report: failed",
    ]
    assert result.out.splitlines()[-1] == "built 4; failed 1: report; skipped 1: nightly"
    assert set(load_built(Store(example / ".graphbuild"))) == {  # the unrelated images
        "//images/api:api",
        "//images/api:api-dev",
        "//images/worker:worker@3.11",
        "//images/worker:worker@3.13",
    }


def test_fail_fast_cancels_the_rest(example: Path, tmp_path: Path):
    with_image_on_report(example)
    assert run("emit", cwd=example).code == 0
    docker = fake_docker(tmp_path, fail="images-report", delay=2)
    result = run("build", "--jobs", "2", "--fail-fast", "--docker", docker, cwd=example)
    assert result.code == 1
    assert "nightly: cancelled" in result.err  # it waits for report, so it never starts
    assert "report: failed" in result.err
    assert load_built(Store(example / ".graphbuild")).keys() <= {
        "//images/api:api",
        "//images/api:api-dev",
        "//images/worker:worker@3.11",
        "//images/worker:worker@3.13",
    }


def test_runs_without_the_optional_parser(emitted: Path):
    """Only `import` needs the `dockerfile` package; everything else runs without it."""
    import os
    import subprocess
    import sys

    from tests.support import REPO

    script = (
        "import sys; sys.modules['dockerfile'] = None\n"  # as if it were not installed
        "from graphbuild.cli import main\n"
        "sys.exit(main(sys.argv[1:]))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", script, "-C", str(emitted), *args],
                              capture_output=True, text=True, env=env)  # fmt: skip

    assert cli("plan", "--check").returncode == 0
    assert cli("emit", "--check").returncode == 0
    (emitted / "x").mkdir()
    (emitted / "x/Dockerfile").write_text("FROM scratch\n")
    result = cli("import", str(emitted / "x/Dockerfile"))
    assert result.returncode == 2
    assert result.stderr == (
        "graphbuild: error: graphbuild import needs the BuildKit parser: "
        "pip install 'graphbuild[import]'\n"
    )


SENTINEL_WORKSPACE = """\
[workspace]
name = "sentinel"

[[target]]
name = "bake"
rule = "stages"
image = true
from = "scratch"
steps = ["ENV A=1"]

[[target]]
name = "zz"
rule = "stages"
image = true
from = ":bake"
steps = ["ENV B=1"]
"""


def test_an_image_named_bake_does_not_hide_a_failed_build(tmp_path: Path):
    """Once, the buildx path was told apart by a job named "bake": an image of that name made
    a failed image count as built, and `build --rebuild` then found nothing to build."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "BUILD.toml").write_text(SENTINEL_WORKSPACE)
    assert run("emit", cwd=workspace).code == 0
    docker = fake_docker(tmp_path, fail="zz")
    result = run("build", "--docker", docker, cwd=workspace)
    assert result.code == 1
    assert "zz: failed" in result.err
    assert load_built(Store(workspace / ".graphbuild")).keys() == {"//:bake"}
    again = run("build", "--rebuild", "--docker", docker, cwd=workspace)
    assert again.code == 1
    assert "[zz] building //:zz" in again.out


def test_build_builds_what_changed_and_all_with_all(emitted: Path, tmp_path: Path):
    """By default an image recorded as built at its hash, whose hash tag the engine still
    holds, is left out: after an edit only what the plan says rebuilds is built."""
    docker = fake_docker(tmp_path)

    def tags() -> list[str]:
        bake = json.loads((emitted / "build/docker-bake.json").read_text())["target"]
        return [t["tags"][0] for t in bake.values()]

    def building(*args: str) -> list[str]:
        result = run("build", "--docker", docker, *args, cwd=emitted)
        assert result.code == 0, result.err
        return sorted(line.split()[-1] for line in result.out.splitlines() if "] building " in line)

    first = building()
    assert len(first) == len(tags()) == 5
    (tmp_path / "tags").write_text("\n".join(tags()) + "\n")
    assert building() == []  # built here, tags in the engine
    assert building("--all") == first
    (tmp_path / "tags").write_text("\n".join(t for t in tags() if "worker" not in t) + "\n")
    assert building() == ["//images/worker:worker@3.11", "//images/worker:worker@3.13"]
    (tmp_path / "tags").write_text("\n".join(tags()) + "\n")
    with open(emitted / "images/api/src/api/__init__.py", "a") as handle:
        handle.write("# an edit\n")
    assert run("emit", cwd=emitted).code == 0
    assert building() == ["//images/api:api", "//images/api:api-dev"]


def test_the_driver_follows_whether_buildx_answers(emitted: Path, tmp_path: Path):
    """buildx is asked while the workspace is analysed: its answer still picks the driver."""
    without, with_buildx = tmp_path / "without", tmp_path / "with"
    without.mkdir()
    with_buildx.mkdir()
    plain = run("build", "--all", "--dry-run", "--docker", fake_docker(without), cwd=emitted)
    assert plain.code == 0 and "docker build" in plain.out and "bake" not in plain.out
    refused = run("build", "--driver", "bake", "--docker", fake_docker(without), cwd=emitted)
    assert refused.code == 2 and "--driver bake needs buildx" in refused.err
    docker = fake_docker(with_buildx, buildx=True)
    baked = run("build", "--all", "--dry-run", "--docker", docker, cwd=emitted)
    assert baked.code == 0 and "buildx bake" in baked.out

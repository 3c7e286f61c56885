"""End to end on a real engine: the example workspace builds, its images run as they should,
and BuildKit's cache agrees with the plan step for step. Needs `tools/engine` (CI runs it)."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path

import pytest

from graphbuild.build.docker import find_docker
from tests.conftest import REPO, copy_example, run

pytestmark = pytest.mark.e2e
BASES = {"bookworm": "graphbuild-e2e/debian:bookworm", "trixie": "graphbuild-e2e/debian:trixie"}
STEP_RE = re.compile(r"^#(\d+) \[([a-z0-9._-]+) +\d+/\d+\] (.*)$")
STATUS_RE = re.compile(r"^#(\d+) (CACHED|DONE [\d.]+s|ERROR.*)$")


def engine() -> str | None:
    """Why the engine cannot be used, or None when it can."""
    try:
        docker = find_docker(None)
    except Exception as err:
        return str(err)
    check = subprocess.run(["bash", str(REPO / "tools/engine"), "--check"], capture_output=True)
    return None if check.returncode == 0 and docker else "no engine: run tools/engine first"


REASON = engine()
if REASON is not None:
    pytest.skip(f"end-to-end tests skipped: {REASON}", allow_module_level=True)
DOCKER = find_docker(None)


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DOCKER, *args], capture_output=True, text=True, check=check)


def steps_in(log: str) -> dict[str, tuple[str, str]]:
    """BuildKit plain progress: step text -> (stage, status) for every Dockerfile step."""
    headers: dict[str, tuple[str, str]] = {}
    statuses: dict[str, str] = {}
    for line in log.splitlines():
        if match := STEP_RE.match(line):
            headers[match.group(1)] = (match.group(2), match.group(3))
        elif match := STATUS_RE.match(line):
            statuses[match.group(1)] = match.group(2).split()[0]
    return {  # FROM only resolves the base: BuildKit reports it DONE, never CACHED
        text: (stage, statuses.get(n, "?"))
        for n, (stage, text) in headers.items()
        if not text.startswith("FROM ")
    }


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A copy of the example on the local base images, emitted and built once."""
    root = copy_example(tmp_path_factory.mktemp("e2e") / "ws")
    build_toml = root / "BUILD.toml"
    text = build_toml.read_text()
    text = re.sub(
        r'image = "debian:bookworm-slim@sha256:[0-9a-f]+"', f'image = "{BASES["bookworm"]}"', text
    )
    text = re.sub(
        r'image = "debian:trixie-slim@sha256:[0-9a-f]+"', f'image = "{BASES["trixie"]}"', text
    )
    build_toml.write_text(text)
    assert run("emit", cwd=root).code == 0
    result = run("build", "--all", "--jobs", "2", cwd=root)
    assert result.code == 0, result.out[-4000:] + result.err
    return root


def bake(root: Path) -> dict:
    return json.loads((root / "build/docker-bake.json").read_text())


def tag(root: Path, name: str) -> str:
    return bake(root)["target"][name]["tags"][0]


@pytest.mark.parametrize(
    ("name", "imports"),
    [("api", "flask, psycopg2"), ("worker-3-11", "requests"), ("worker-3-13", "requests")],
)
def test_runtime_image_is_safe_and_works(workspace: Path, name: str, imports: str):
    script = (
        "id -u; command -v cc gcc g++ || echo no-compiler; "
        f"python -c 'import {imports}; print(\"imports-ok\")'; "
        "(touch /opt/venv/probe 2>/dev/null && echo venv-writable) || echo venv-readonly"
    )
    result = docker("run", "--rm", "--entrypoint", "sh", tag(workspace, name), "-c", script)
    lines = result.stdout.split()
    assert lines[0] != "0"
    assert "no-compiler" in lines
    assert "imports-ok" in lines
    assert "venv-readonly" in lines and "venv-writable" not in lines


def test_shared_base_is_built_once(workspace: Path):
    def layers(name: str) -> list[str]:
        out = docker(
            "image", "inspect", "--format", "{{json .RootFS.Layers}}", tag(workspace, name)
        )
        return json.loads(out.stdout)

    api, worker = layers("api"), layers("worker-3-11")
    shared = next(i for i, (a, b) in enumerate(zip(api, worker, strict=False)) if a != b)
    # base import, apt keep-cache, security upgrade, python, python link, app user
    assert shared >= 6


def test_source_edit_reruns_only_the_source_copy(workspace: Path):
    run("lock", cwd=workspace)
    with open(workspace / "images/api/src/api/__init__.py", "a") as handle:
        handle.write(f"# an edit {uuid.uuid4()}\n")  # new to the engine's cache on every run
    plan = json.loads(run("plan", "--format", "json", cwd=workspace).out)
    predicted = sorted(t["label"] for t in plan["targets"] if t["status"] == "rebuild")
    assert predicted == ["//images/api:api", "//images/api:api-dev"]
    assert run("emit", cwd=workspace).code == 0
    assert run("build", "//images/api:api", cwd=workspace).code == 0
    steps = steps_in((workspace / ".graphbuild/logs/api.log").read_text())
    ran = {text for text, (_, status) in steps.items() if status != "CACHED"}
    assert ran == {"COPY images/api/src/ /app/"}
    assert len(steps) > 10


def test_requirements_edit_reruns_the_install_not_the_base(workspace: Path):
    with open(workspace / "images/worker/requirements.txt", "a") as handle:
        handle.write(f"six==1.16.0  # {uuid.uuid4()}\n")
    assert run("emit", cwd=workspace).code == 0
    assert run("build", "//images/worker:worker@3.11", cwd=workspace).code == 0
    steps = steps_in((workspace / ".graphbuild/logs/worker-3-11.log").read_text())
    ran = {stage for _, (stage, status) in steps.items() if status != "CACHED"}
    assert ran == {"images-worker-3.11-builder", "images-worker-3.11"}
    base = [status for _, (stage, status) in steps.items() if stage.startswith("images-base-")]
    assert base and set(base) == {"CACHED"}


def test_build_records_what_it_built(workspace: Path):
    result = run("build", "--rebuild", "--dry-run", cwd=workspace)
    assert result.code == 0
    assert "--target images-api " not in result.out  # rebuilt after the source edit
    assert "--target images-worker-3.11 " not in result.out  # rebuilt after the requirements edit
    assert "--target images-worker-3.13 " in result.out  # its requirements changed, not rebuilt
    assert "--target images-api-api-dev " in result.out  # built on the edited api

"""End to end: the compose file emit writes builds and starts the example's services with
Docker Compose, the health check goes healthy, `up --watch` syncs an edit into the running
container, and the dev container definition builds and runs with the devcontainer CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e_support import DOCKER, docker, on_local_bases
from tests.support import copy_example, run

pytestmark = pytest.mark.e2e
DEVCONTAINER_CLI = "@devcontainers/cli@0.80.0"
SITE = "/opt/venv/lib/python3.11/site-packages/api"


def compose(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`docker compose` in the workspace (so compose.override.yaml is merged)."""
    result = subprocess.run(
        [DOCKER, "compose", *args], cwd=root, capture_output=True, text=True, timeout=900
    )
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Iterator[Path]:
    """The example on the local bases, emitted, with a team's override that checks health
    every second (compose merges it: graphbuild never writes it)."""
    root = copy_example(tmp_path_factory.mktemp("compose") / "ws")
    on_local_bases(root)
    assert run("emit", cwd=root).code == 0
    (root / "compose.override.yaml").write_text(
        "services:\n  api:\n    healthcheck:\n      interval: 1s\n"
    )
    yield root
    compose(root, "down", "--timeout", "1", "--rmi", "local", check=False)


def test_compose_builds_and_starts_the_services_and_one_goes_healthy(workspace: Path):
    config = json.loads(compose(workspace, "config", "--format", "json").stdout)
    assert config["services"]["api"]["healthcheck"]["interval"] == "1s"  # the override merged
    assert "api-dev" not in config["services"]  # the dev profile stays off by default
    compose(workspace, "build")  # every service of the default profile
    services = ["api", "worker-3-11", "worker-3-13"]
    compose(workspace, "up", "--detach", "--wait", "--wait-timeout", "120", *services)
    for worker in ("worker-3-11", "worker-3-13"):
        assert "worker up, requests" in compose(workspace, "logs", worker).stdout
    report = compose(workspace, "run", "--rm", "report").stdout
    assert "report ready, six" in report
    container = compose(workspace, "ps", "--quiet", "api").stdout.strip()
    state = json.loads(docker("inspect", container).stdout)[0]
    assert state["State"]["Health"]["Status"] == "healthy"
    assert state["Config"]["Image"] == config["services"]["api"]["image"]  # the hash tag
    assert compose(workspace, "exec", "api", "id", "-u").stdout.strip() == "10001"
    reply = compose(workspace, "exec", "api", "python", "-c", HEALTHZ).stdout
    assert json.loads(reply)["status"] == "ok"


HEALTHZ = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8000/healthz').read().decode())"


def test_watch_syncs_an_edit_into_the_running_container(workspace: Path, tmp_path: Path):
    log = tmp_path / "watch.log"
    with log.open("w") as output:
        watch = subprocess.Popen(
            [DOCKER, "compose", "up", "--watch", "api"],
            cwd=workspace,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(log, "Watch enabled", 180)
        source = workspace / "images/api/src/api/__init__.py"
        source.write_text(source.read_text() + '\nEDITED = "synced by compose watch"\n')
        inside = ""
        for _ in range(60):
            cat = compose(workspace, "exec", "api", "cat", f"{SITE}/__init__.py", check=False)
            if "synced by compose watch" in (inside := cat.stdout):
                break
            time.sleep(1)
        assert "synced by compose watch" in inside, log.read_text()[-3000:]
        # sync+restart: the restarted app imports the edited module from the venv
        check = "import api; print(api.EDITED)"
        for _ in range(30):
            result = compose(workspace, "exec", "api", "python", "-c", check, check=False)
            if result.returncode == 0:
                break
            time.sleep(1)
        assert result.stdout.strip() == "synced by compose watch", result.stderr
    finally:
        watch.terminate()
        watch.wait(30)


def wait_for(log: Path, text: str, seconds: float) -> None:
    """Wait until the file `log` holds `text` (fails after `seconds`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise AssertionError(f"no {text!r} in:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def devcontainer_cli(tmp_path_factory) -> Path:
    """The Dev Container reference CLI, from the npm registry."""
    npm = shutil.which("npm")
    assert npm is not None, "npm is needed for the devcontainer CLI (apt-get install npm)"
    prefix = tmp_path_factory.mktemp("devcontainer-cli")
    subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", DEVCONTAINER_CLI],
        check=True,
        capture_output=True,
    )
    return prefix / "node_modules/.bin/devcontainer"


def test_dev_container_builds_and_runs_the_interpreter_it_names(
    workspace: Path, devcontainer_cli: Path
):
    config = workspace / ".devcontainer/api-dev/devcontainer.json"
    definition = json.loads(config.read_text().split("\n", 1)[1])
    python = definition["customizations"]["vscode"]["settings"]["python.defaultInterpreterPath"]
    where = ["--workspace-folder", str(workspace), "--config", str(config)]
    up = subprocess.run(
        [str(devcontainer_cli), "up", *where, "--docker-path", DOCKER],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
    outcome = json.loads(up.stdout.strip().splitlines()[-1])
    try:
        script = "import sys, api, flask; print(sys.executable, open('BUILD.toml').readline())"
        result = subprocess.run(
            [str(devcontainer_cli), "exec", *where, "--docker-path", DOCKER, python, "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stdout.startswith(f"{python} # The example workspace"), result.stdout
        user = subprocess.run(
            [str(devcontainer_cli), "exec", *where, "--docker-path", DOCKER, "id", "-u"],
            capture_output=True,
            text=True,
        )
        assert user.stdout.strip() == "10001"
        tools = docker("exec", outcome["containerId"], "sh", "-c", "command -v strace curl")
        assert tools.stdout.count("/") >= 2  # the dev variant's tools are there
    finally:
        docker("rm", "-f", outcome["containerId"], check=False)

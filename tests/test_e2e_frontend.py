"""Dockerfile features above 1.2 from the engine's built-in frontend, on the real engine:
`dockerfile_frontend = "builtin"` at floor 1.7 emits no `# syntax=` line (which would make
BuildKit pull docker/dockerfile from Docker Hub), and heredocs, `COPY --link` and
`ADD --checksum` build, through both drivers. Needs `tools/engine` (Docker 26)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.e2e_support import DOCKER, DRIVERS, docker
from tests.support import FIXTURES, run

pytestmark = pytest.mark.e2e
if "bake" not in DRIVERS:
    pytest.skip("the 20.10 engine's built-in frontend is 1.2", allow_module_level=True)


@pytest.mark.parametrize("driver", DRIVERS)
def test_builtin_frontend_features_build(driver: str, tmp_path: Path):
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspaces/builtin_frontend", root)
    assert run("emit", cwd=root).code == 0
    assert "# syntax" not in (root / "build/Dockerfile").read_text()
    result = run("build", "--driver", driver, "--docker", DOCKER, cwd=root)
    assert result.code == 0, result.out[-3000:] + result.err
    log = (root / ".graphbuild/logs/app.log").read_text()
    assert "docker/dockerfile" not in log  # no frontend image resolved or pulled
    assert "RUN <<EOF" in log and "COPY --link hello.txt" in log and "ADD --checksum=" in log
    tag = json.loads((root / "build/docker-bake.json").read_text())["target"]["app"]["tags"][0]
    script = "id -u; cat /opt/heredoc.txt /opt/hello.txt; ls /opt"
    out = docker("run", "--rm", tag, "sh", "-c", script)
    assert out.stdout.splitlines() == [
        "10001",
        "from a heredoc",
        "hello",
        "hello.txt",
        "heredoc.txt",
        "six-1.16.0-py2.py3-none-any.whl",
    ]

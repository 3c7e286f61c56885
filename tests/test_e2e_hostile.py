"""What a hostile checkout's shapes do on the real engine (#24): the hash covers what BuildKit
copies. Needs `tools/engine`."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.e2e_support import DOCKER, docker
from tests.support import FIXTURES, run

pytestmark = pytest.mark.e2e


def test_an_edit_behind_a_symlinked_source_folder_rebuilds_what_docker_copies(tmp_path: Path):
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "hostile/symlinked_source", root)
    (root / "src").symlink_to("code")
    for edit in ("first", "second"):
        text = f"{edit} edit, {time.time_ns()}"  # never in the engine's cache before
        (root / "code/hello.txt").write_text(f"{text}\n")
        plan = run("plan", cwd=root)
        assert ("new" if edit == "first" else "input changed: code/hello.txt") in plan.out
        assert run("emit", cwd=root).code == 0
        built = run("build", "--driver", "docker-build", "--docker", DOCKER, cwd=root)
        assert built.code == 0, built.out[-3000:] + built.err
        log = (root / ".graphbuild/logs/app.log").read_text()
        assert re.search(r"COPY src/ /opt/app/\n#\d+ DONE", log), log
        tag = json.loads((root / "build/docker-bake.json").read_text())["target"]["app"]["tags"][0]
        assert docker("run", "--rm", tag, "cat", "/opt/app/hello.txt").stdout == f"{text}\n"

"""Failures that stay local, on the real engine: an image that fails does not cancel an image
that is not built on it (bake cancels every target of its run: graphbuild builds the rest in a
further run), an image built on the failed one is skipped, and --fail-fast keeps the old way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphbuild.build.record import load_built
from graphbuild.state.store import Store
from tests.e2e_support import DRIVERS, docker, local_workspace
from tests.support import run

pytestmark = pytest.mark.e2e

WORKSPACE = """\
[workspace]
name = "local"

[external.bookworm]
image = "{base}"

[[target]]
name = "base"
rule = "stages"
from = "@bookworm"
steps = ["RUN echo base {nonce}"]

[[target]]
name = "good"
rule = "stages"
image = true
from = ":base"
steps = ["RUN sleep 3 && echo good > /good.txt"]

[[target]]
name = "bad"
rule = "stages"
image = true
from = ":base"
steps = ["RUN echo about to fail && exit 3"]

[[target]]
name = "on-bad"
rule = "stages"
image = true
from = ":bad"
steps = ["RUN echo never"]
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return local_workspace(tmp_path / "ws", WORKSPACE)


@pytest.mark.parametrize("driver", DRIVERS)
def test_the_unrelated_image_is_built_and_the_dependent_skipped(workspace: Path, driver: str):
    result = run("build", "--driver", driver, cwd=workspace)
    assert result.code == 1, result.out[-3000:]
    assert "[bad] FAILED" in result.out
    assert result.out.splitlines()[-1] == "built 1; failed 1: bad; skipped 1: on-bad"
    assert set(load_built(Store(workspace / ".graphbuild"))) == {"//:good"}
    tag = json.loads((workspace / "build/docker-bake.json").read_text())["target"]["good"]["tags"][
        0
    ]
    assert docker("run", "--rm", tag, "cat", "/good.txt").stdout == "good\n"


def test_fail_fast_leaves_the_unrelated_image_unbuilt(workspace: Path):
    result = run("build", "--fail-fast", "--driver", DRIVERS[0], cwd=workspace)
    assert result.code == 1
    assert load_built(Store(workspace / ".graphbuild")) == {}

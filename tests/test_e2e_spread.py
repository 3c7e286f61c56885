"""The spread driver on the real engine: images spread over two docker contexts (here both
reach this machine's one daemon: two engines on 2 cores would only share them), the log naming
where each ran, the dependent image after its base wherever that ran, and a context whose
daemon is gone dropped with its image built on the other."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e_support import docker, local_workspace
from tests.support import run
from tests.support.socket_proxy import SocketProxy

pytestmark = pytest.mark.e2e

WORKSPACE = """\
[workspace]
name = "spread"

[external.bookworm]
image = "{base}"

[[target]]
name = "base"
rule = "stages"
image = true
from = "@bookworm"
steps = ["RUN echo base {nonce} > /base.txt"]

[[target]]
name = "left"
rule = "stages"
image = true
from = ":base"
steps = ["RUN sleep 2 && echo left > /left.txt"]

[[target]]
name = "right"
rule = "stages"
image = true
from = ":base"
steps = ["RUN sleep 2 && echo right > /right.txt"]
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return local_workspace(tmp_path / "ws", WORKSPACE)


@pytest.fixture
def contexts() -> Iterator[tuple[str, str, str]]:
    """Two contexts on this machine's daemon and one whose daemon is gone; removed after."""
    nonce = uuid.uuid4().hex[:8]
    names = (f"gb-a-{nonce}", f"gb-b-{nonce}", f"gb-gone-{nonce}")
    hosts = ("unix:///var/run/docker.sock",) * 2 + (f"unix:///run/gb-gone-{nonce}.sock",)
    for name, host in zip(names, hosts, strict=True):
        docker("context", "create", name, "--docker", f"host={host}")
    yield names
    docker("context", "rm", "--force", *names, check=False)


def tags(root: Path) -> dict[str, str]:
    """Bake target -> its hash tag."""
    bake = json.loads((root / "build/docker-bake.json").read_text())
    return {name: target["tags"][0] for name, target in bake["target"].items()}


def test_images_spread_over_two_contexts(workspace: Path, contexts: tuple[str, str, str]):
    a, b, _ = contexts
    result = run("build", "--driver", "spread", "--builders", f"{a},{b}", cwd=workspace)
    assert result.code == 0, result.out[-3000:]
    lines = result.out.splitlines()
    ran = {ln.split("]")[0][1:]: ln.split(" ran on ")[1].split(":")[0]
           for ln in lines if " ran on " in ln}  # fmt: skip
    assert sorted(ran) == ["base", "left", "right"]
    assert set(ran.values()) == {a, b}  # the two siblings went to different builders
    first_sibling = min(
        lines.index(f"[{n}] building //:{n} on {ran[n]}") for n in ("left", "right")
    )
    assert lines.index(next(ln for ln in lines if ln.startswith("[base] ran on"))) < first_sibling
    for name, text in (("left", "left"), ("right", "right")):
        shown = docker("run", "--rm", tags(workspace)[name], "cat", f"/{name}.txt").stdout
        assert shown == f"{text}\n"


def test_a_gone_builder_is_dropped_and_its_images_built_on_the_other(
    workspace: Path, contexts: tuple[str, str, str]
):
    _, b, gone = contexts
    result = run("build", "--driver", "spread", "--builders", f"{gone},{b}", cwd=workspace)
    assert result.code == 0, result.out[-3000:]
    assert f"builder {gone} cannot be reached: dropped; building again on {b}" in result.out
    assert sorted(ln.split("]")[0][1:] for ln in result.out.splitlines()
                  if f" ran on {b}:" in ln) == ["base", "left", "right"]  # fmt: skip


SLOW = """\
[workspace]
name = "slow"

[external.bookworm]
image = "{base}"

[[target]]
name = "slow"
rule = "stages"
image = true
from = "@bookworm"
steps = ["RUN echo {nonce} && sleep 6 && echo slow > /slow.txt"]
"""


def test_a_builder_killed_mid_build_has_its_image_finished_on_the_other(tmp_path: Path):
    root = local_workspace(tmp_path / "ws", SLOW)
    proxy = SocketProxy(tmp_path / "builder.sock")
    nonce = uuid.uuid4().hex[:8]
    doomed, other = f"gb-doomed-{nonce}", f"gb-other-{nonce}"
    docker("context", "create", doomed, "--docker", f"host=unix://{tmp_path}/builder.sock")
    docker("context", "create", other, "--docker", "host=unix:///var/run/docker.sock")
    timer = threading.Timer(3.0, proxy.kill)  # while the image's RUN sleeps on `doomed`
    try:
        timer.start()
        result = run("build", "--driver", "spread", "--builders", f"{doomed},{other}", cwd=root)
    finally:
        timer.cancel()
        proxy.kill()
        docker("context", "rm", "--force", doomed, other, check=False)
    assert result.code == 0, result.out[-3000:]
    lines = result.out.splitlines()
    assert f"[slow] building //:slow on {doomed}" in lines
    assert f"[slow] builder {doomed} cannot be reached: dropped; building again on {other}" in lines
    assert any(ln.startswith(f"[slow] ran on {other}:") for ln in lines)
    shown = docker("run", "--rm", tags(root)["slow"], "cat", "/slow.txt").stdout
    assert shown == "slow\n"

"""On the real engine, linux/arm64 under QEMU (tools/engine registers it): an image for two
platforms, built on a base that has both, is pushed to the loopback registry as one index, and
each variant, run with --platform, prints its own architecture."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.debian import MULTI_BASE, SECOND_ENGINE
from tests.e2e_support import DRIVERS, docker
from tests.support import run

pytestmark = pytest.mark.e2e

WORKSPACE = """\
[workspace]
name = "multi"
registry = "127.0.0.1:5000/gbmulti-{nonce}"
platforms = ["linux/amd64", "linux/arm64"]

[external.bookworm]
image = "{base}"

[[target]]
name = "arch"
rule = "stages"
image = true
from = "@bookworm"
steps = ["RUN uname -m > /arch && echo {nonce} > /nonce"]
"""


def pinned_base() -> str:
    """The two-platform base, pinned by its index digest."""
    found = docker("buildx", "imagetools", "inspect", MULTI_BASE, "--format", "{{json .Manifest}}")
    return f"{MULTI_BASE}@{json.loads(found.stdout)['digest']}"


def two_platform_workspace(tmp_path: Path) -> tuple[Path, str]:
    """The workspace on the two-platform base, emitted, with its nonce."""
    root = tmp_path / "ws"
    root.mkdir()
    nonce = uuid.uuid4().hex[:12]
    text = WORKSPACE.replace("{base}", pinned_base()).replace("{nonce}", nonce)
    (root / "BUILD.toml").write_text(text)
    assert run("emit", cwd=root).code == 0
    return root, nonce


def assert_one_index_that_runs(root: Path) -> None:
    """The image's hash tag is one index of amd64 and arm64 (attestations aside), and each
    variant run with --platform prints its own architecture."""
    tag = json.loads((root / "build/docker-bake.json").read_text())["target"]["arch"]["tags"][0]
    index = json.loads(docker("buildx", "imagetools", "inspect", tag, "--raw").stdout)
    platforms = {
        f"{m['platform']['os']}/{m['platform']['architecture']}"
        for m in index["manifests"]
        if m["platform"]["os"] != "unknown"
    }
    assert platforms == {"linux/amd64", "linux/arm64"}
    for platform, machine in (("linux/arm64", "aarch64"), ("linux/amd64", "x86_64")):
        shown = docker("run", "--rm", "--platform", platform, tag, "cat", "/arch").stdout
        assert shown == f"{machine}\n", platform


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_two_platform_image_is_one_index_and_each_variant_runs(tmp_path: Path, driver: str):
    root, _ = two_platform_workspace(tmp_path)
    result = run("build", "--push", "--driver", driver, cwd=root)
    assert result.code == 0, result.out[-3000:]
    assert_one_index_that_runs(root)


def test_a_builder_per_platform_builds_natively_and_merges(tmp_path: Path):
    """linux/amd64 on this machine's engine, linux/arm64 on the second one (under QEMU here; on
    an arm64 machine natively), each pushing its own tag, then one index joining them."""
    root, nonce = two_platform_workspace(tmp_path)
    x86, arm = f"gb-x86-{nonce}", f"gb-arm-{nonce}"
    docker("context", "create", x86, "--docker", "host=unix:///var/run/docker.sock")
    docker("context", "create", arm, "--docker", f"host={SECOND_ENGINE}")
    try:
        result = run("build", "--push", "--driver", "spread", "--builders",
                     f"linux/amd64={x86},linux/arm64={arm}", cwd=root)  # fmt: skip
    finally:
        docker("context", "rm", "--force", x86, arm, check=False)
    assert result.code == 0, result.out[-3000:]
    assert any(ln.startswith(f"[arch@arm64] ran on {arm}:") for ln in result.out.splitlines())
    assert any(ln.startswith(f"[arch@amd64] ran on {x86}:") for ln in result.out.splitlines())
    assert_one_index_that_runs(root)

"""Before a build, every base image has every platform the stages on it are built for: the
platforms needed per base, the engine's answer, one error per base that lacks one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graphbuild.build.docker import build_command
from graphbuild.build.platforms import missing_platforms, normal, registry_platforms
from graphbuild.core.errors import BuildError

INDEX = """{"mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
 {"digest": "sha256:a", "platform": {"os": "linux", "architecture": "amd64"}},
 {"digest": "sha256:b", "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
 {"digest": "sha256:c", "platform": {"os": "unknown", "architecture": "unknown"}}]}"""


def test_a_manifest_lists_platforms_without_its_attestations():
    assert registry_platforms(INDEX) == {"linux/amd64", "linux/arm64/v8"}
    assert registry_platforms('{"mediaType": "application/vnd.oci.image.manifest.v1+json"}') is None
    assert registry_platforms("not json") is None and registry_platforms(None) is None


def test_variants_count_only_where_they_tell_builds_apart():
    assert normal("linux/arm64/v8") == "linux/arm64"
    assert normal("linux/arm/v7") == "linux/arm/v7"
    assert normal("linux/amd64") == "linux/amd64"


def test_each_base_that_lacks_a_platform_is_one_error(text_snapshot):
    asked: list[tuple[str, set[str]]] = []

    def probe(image: str, wanted: set[str]) -> frozenset[str] | None:
        asked.append((image, wanted))
        return {
            "local:amd64": frozenset({"linux/amd64"}),
            "multi@sha256:1": frozenset({"linux/amd64", "linux/arm64"}),
        }.get(image)

    needed = {
        "bookworm": {"linux/amd64", "linux/arm64/v8"},
        "python": {"linux/arm64"},
        "offline": {"linux/s390x"},  # the engine cannot tell: left alone
    }
    images = {"bookworm": "local:amd64", "python": "multi@sha256:1", "offline": "far:1"}
    errors = missing_platforms(needed, images, probe)
    assert "\n".join(str(e) for e in errors) + "\n" == text_snapshot
    assert len(errors) == 1 and errors[0].key == "external.bookworm"
    assert ("local:amd64", {"linux/amd64", "linux/arm64"}) in asked


def test_docker_build_of_two_platforms_needs_buildx_and_lists_both():
    """buildx's `docker build` takes every platform of a bake target (it once refused two
    whatever the engine, found on the engine); the 20.10 builder takes one."""
    target = {"target": "app", "dockerfile": "build/Dockerfile",
              "platforms": ["linux/amd64", "linux/arm64"]}  # fmt: skip
    argv = build_command("docker", target, {}, Path("id"), buildx=True)
    assert argv[argv.index("--platform") + 1] == "linux/amd64,linux/arm64"
    with pytest.raises(BuildError, match="builds 2 platforms: that needs buildx"):
        build_command("docker", target, {}, Path("id"), buildx=False)


def test_plan_warns_of_a_base_without_a_wanted_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """plan says before any build which base lacks a platform (a warning: plan builds nothing),
    and asks the engine only where a platform other than this machine's is wanted."""
    from tests.support import FIXTURES, run
    from tests.support.fake_docker import platform_docker

    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "lint/GB105-base-without-arm64", root)
    monkeypatch.setenv("GRAPHBUILD_DOCKER", platform_docker(tmp_path))
    result = run("plan", cwd=root)
    assert result.code == 0
    assert result.err == (
        "graphbuild: warning: BUILD.toml: external.base: registry.example.com/debian:bookworm@"
        f"sha256:{'1' * 64} has no linux/arm64: it has linux/amd64 (build for what it has, or "
        "use an image that has them)\n"
    )
    build = root / "BUILD.toml"
    build.write_text(build.read_text().replace('"linux/amd64", "linux/arm64"', '"linux/amd64"'))
    assert run("plan", cwd=root).err == ""

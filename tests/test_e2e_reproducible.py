"""Reproducible images on the real engine: with `reproducible = true` two cold builds of the
same image, the whole build cache pruned in between, export the same image manifest, layer for
layer. Needs `tools/engine` (Docker 26 with buildx: the OCI exporter's rewrite-timestamp)."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from tests.e2e_support import DRIVERS, docker, on_local_bases
from tests.support import copy_example, run

pytestmark = pytest.mark.e2e
if "bake" not in DRIVERS:
    pytest.skip("OCI export needs buildx (GRAPHBUILD_ENGINE=legacy)", allow_module_level=True)


def image_manifest(tarball: Path) -> tuple[str, list[str], dict]:
    """The image manifest's digest, its layers' digests and its config, from an OCI layout."""
    with tarfile.open(tarball) as layout:

        def blob(digest: str) -> dict:
            member = layout.extractfile(f"blobs/sha256/{digest.removeprefix('sha256:')}")
            assert member is not None
            return json.load(member)

        index_file = layout.extractfile("index.json")
        assert index_file is not None
        index = json.load(index_file)
        entry = index["manifests"][0]
        if entry["mediaType"].endswith("index.v1+json"):  # with an attestation beside the image
            nested = blob(entry["digest"])["manifests"]
            entry = next(m for m in nested if "vnd.docker.reference.type" not in
                         m.get("annotations", {}))  # fmt: skip
        manifest = blob(entry["digest"])
        return (
            entry["digest"],
            [layer["digest"] for layer in manifest["layers"]],
            blob(manifest["config"]["digest"]),
        )


def test_two_cold_builds_give_the_same_image(tmp_path: Path):
    root = copy_example(tmp_path / "ws")
    on_local_bases(root)
    text = (root / "BUILD.toml").read_text()
    (root / "BUILD.toml").write_text(
        text.replace("[workspace]\n", "[workspace]\nreproducible = true\n", 1)
    )
    assert run("emit", cwd=root).code == 0
    dockerfile = (root / "build/Dockerfile").read_text()
    assert 'ARG SOURCE_DATE_EPOCH="1795392000"' in dockerfile  # the refresh date, 2026-11-23
    results = []
    for attempt in ("first", "second"):
        docker("builder", "prune", "-af")  # a cold machine each time
        out = tmp_path / attempt
        result = run("build", "--oci", str(out), "//images/worker:worker@3.11", cwd=root)
        assert result.code == 0, result.out[-3000:] + result.err
        results.append(image_manifest(out / "worker-3-11.tar"))
    (first, first_layers, config), (second, second_layers, _) = results
    assert first_layers == second_layers
    assert first == second
    assert config["created"] == "2026-11-23T00:00:00Z"
    assert pyc_kinds(tmp_path / "first/worker-3-11.tar", first_layers) == {"checked-hash"}


def pyc_kinds(tarball: Path, layers: list[str]) -> set[str]:
    """How the venv's .pyc files are invalidated (PEP 552 flags): by source time or by hash."""
    kinds = set()
    with tarfile.open(tarball) as layout:
        for digest in layers:
            blob = layout.extractfile(f"blobs/sha256/{digest.removeprefix('sha256:')}")
            with tarfile.open(fileobj=blob, mode="r|*") as layer:
                for member in layer:
                    if member.name.startswith("opt/venv/") and member.name.endswith(".pyc"):
                        data = layer.extractfile(member)
                        assert data is not None
                        flags = int.from_bytes(data.read(8)[4:8], "little")
                        kinds.add({0: "timestamp", 1: "unchecked-hash", 3: "checked-hash"}[flags])
    return kinds

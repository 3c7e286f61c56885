"""uv workspaces without an engine: the uv_monorepo scenario's lock slices (snapshotted, equal
to what `uv export` resolves, byte-identical across checkouts and hash seeds), the plan after
a library edit, a lock bump and a source edit, and rdeps of a library."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import FIXTURES, REPO, run
from tests.uv_export import UV, exported, sliced

SCENARIO = FIXTURES / "workspaces/uv_monorepo"
SLICES = {  # image -> (member, interpreter)
    "services-api-api": ("api", "3.11"),
    "services-worker-worker-3.11": ("worker", "3.11"),
    "services-worker-worker-3.13": ("worker", "3.13"),
}


def workspace(tmp_path: Path, name: str = "ws") -> Path:
    """The scenario in a fresh git checkout, emitted and its hashes locked as the baseline."""
    root = tmp_path / name
    shutil.copytree(SCENARIO, root)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(root)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    assert run("emit", cwd=root).code == 0
    assert run("lock", cwd=root).code == 0
    return root


def plan_json(root: Path) -> dict[str, dict]:
    """label -> plan entry."""
    result = run("plan", "--format", "json", cwd=root)
    assert result.code in (0, 1), result.err
    return {e["label"]: e for e in json.loads(result.out)["targets"]}


def rebuilt_images(entries: dict[str, dict]) -> list[str]:
    """The images the plan rebuilds."""
    return sorted(
        k for k, e in entries.items() if e["kind"] == "image" and e["status"] != "unchanged"
    )


def test_each_image_gets_its_own_lock_slice(tmp_path: Path, text_snapshot):
    root = workspace(tmp_path)
    found = sorted(p.name for p in (root / "build/locks").iterdir())
    assert found == sorted(f"{name}.txt" for name in SLICES)
    for name in SLICES:
        assert (root / f"build/locks/{name}.txt").read_text() == text_snapshot(name=name)
    dockerfile = (root / "build/Dockerfile").read_text()
    assert "uv.lock" not in dockerfile  # BuildKit never sees the whole lock
    assert "COPY build/locks/services-api-api.txt /build/requirements.txt" in dockerfile
    assert "!build/locks" in (root / "build/Dockerfile.dockerignore").read_text()
    assert run("emit", "--check", cwd=root).code == 0


EXAMPLE_SLICES = {
    "images-api-api": ("api", "3.11"),
    "images-worker-worker-3.11": ("worker", "3.11"),
    "images-worker-worker-3.13": ("worker", "3.13"),
}


@pytest.mark.skipif(UV is None, reason="uv is not installed (pip install '.[test]' brings it)")
def test_slices_equal_what_uv_export_resolves(tmp_path: Path):
    root = workspace(tmp_path)
    for name, (member, python) in SLICES.items():
        assert sliced(root / f"build/locks/{name}.txt") == exported(root, member, python), name


@pytest.mark.skipif(UV is None, reason="uv is not installed (pip install '.[test]' brings it)")
def test_the_examples_checked_in_slices_equal_what_uv_export_resolves(example: Path):
    assert run("emit", "--check", cwd=REPO).code == 0  # the checked-in slices are current
    found = sorted(p.stem for p in (REPO / "build/locks").iterdir())
    assert found == sorted(EXAMPLE_SLICES)
    for name, (member, python) in EXAMPLE_SLICES.items():
        theirs = exported(example / "images", member, python)  # the example's uv workspace
        assert sliced(REPO / f"build/locks/{name}.txt") == theirs


def test_slices_are_byte_identical_across_checkouts_and_hash_seeds(tmp_path: Path):
    first, second = tmp_path / "a", tmp_path / "deeper/b"
    shutil.copytree(SCENARIO, first)
    shutil.copytree(SCENARIO, second)
    for root, seed in ((first, "0"), (second, "4242")):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "graphbuild", "-C", str(root), "emit"],
                       env=env, check=True, capture_output=True)  # fmt: skip
    for name in SLICES:
        path = f"build/locks/{name}.txt"
        assert (first / path).read_bytes() == (second / path).read_bytes()


def test_library_edit_rebuilds_exactly_the_images_that_install_it(tmp_path: Path):
    root = workspace(tmp_path)
    with open(root / "libs/db/src/db/__init__.py", "a") as handle:
        handle.write("# edited\n")
    entries = plan_json(root)
    assert rebuilt_images(entries) == ["//services/api:api", "//services/api:api-dev"]
    reasons = [r for r in entries["//services/api:api"]["reasons"]]
    assert {"kind": "internal_library", "label": "//libs/db:db",
            "path": "libs/db/src/db/__init__.py"} in reasons  # fmt: skip
    text = run("plan", cwd=root).out
    assert "internal library //libs/db:db: libs/db/src/db/__init__.py" in text


def test_shared_library_edit_rebuilds_every_image_on_it(tmp_path: Path):
    root = workspace(tmp_path)
    with open(root / "libs/money/src/money/__init__.py", "a") as handle:
        handle.write("# edited\n")
    assert rebuilt_images(plan_json(root)) == [
        "//services/api:api",
        "//services/api:api-dev",
        "//services/worker:worker@3.11",
        "//services/worker:worker@3.13",
    ]  # fmt: skip  (report is not a member: unchanged)


def test_a_lock_change_for_one_package_rebuilds_only_the_images_that_use_it(tmp_path: Path):
    root = workspace(tmp_path)
    lock = root / "uv.lock"
    text = lock.read_text()
    # `uv lock --upgrade-package six`, as a diff: six moves to another locked release.
    moved = text.replace('name = "six"\nversion = "1.17.0"', 'name = "six"\nversion = "1.16.1"')
    assert moved != text
    lock.write_text(moved)
    entries = plan_json(root)
    assert rebuilt_images(entries) == [
        "//services/worker:worker@3.11",
        "//services/worker:worker@3.13",
    ]
    assert {"kind": "lock_changed", "key": "six", "old": "1.17.0", "new": "1.16.1"} in entries[
        "//services/worker:worker@3.11"
    ]["reasons"]
    assert "lock: six 1.17.0 -> 1.16.1" in run("plan", cwd=root).out


def test_a_service_source_edit_rebuilds_that_service_only(tmp_path: Path):
    root = workspace(tmp_path)
    with open(root / "services/api/src/api/main.py", "a") as handle:
        handle.write("# edited\n")
    entries = plan_json(root)
    assert rebuilt_images(entries) == ["//services/api:api", "//services/api:api-dev"]
    stages = [k for k, e in entries.items() if e["kind"] == "stage" and e["status"] != "unchanged"]
    # the member's own install alone: the builder (its venv) and the libraries are untouched
    assert stages == ["//services/api:api#member"]


def test_rdeps_of_a_library_are_the_images_that_install_it(tmp_path: Path):
    root = workspace(tmp_path)
    out = run("query", "rdeps", "//libs/money", cwd=root).out.split()
    images = [label for label in out if label.startswith("//services") and "#" not in label]
    assert sorted(images) == [
        "//services/api:api", "//services/api:api-dev",
        "//services/worker:worker@3.11", "//services/worker:worker@3.13",
    ]  # fmt: skip


@pytest.mark.skipif(UV is None, reason="uv is not installed (pip install '.[test]' brings it)")
def test_extras_put_the_optional_dependencies_in_the_slice(tmp_path: Path):
    root = tmp_path / "ws"
    shutil.copytree(SCENARIO, root)
    pyproject = root / "services/api/pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "[project.scripts]", '[project.optional-dependencies]\nlegacy = ["six>=1.16"]\n\n'
            "[project.scripts]",
        )
    )  # fmt: skip
    subprocess.run([UV, "lock"], cwd=root, check=True, capture_output=True)
    assert run("emit", cwd=root).code == 0
    assert "six==" not in (root / "build/locks/services-api-api.txt").read_text()
    build = root / "services/api/BUILD.toml"
    build.write_text(
        build.read_text().replace('project = "."', 'project = "."\nextras = ["legacy"]')
    )
    assert run("emit", cwd=root).code == 0, run("emit", cwd=root).err
    assert "six==1.17.0 \\\n" in (root / "build/locks/services-api-api.txt").read_text()

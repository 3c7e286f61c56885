"""The uv_monorepo scenario on the real engine (bake): every image runs as a numeric non-root
uid, imports its internal libraries and third-party packages, has no compiler, no pip or uv in
its venv and cannot write it; and what the plan predicts is what BuildKit re-runs, read from
the build logs, after a library edit, a lock change and a service source edit.
Needs `tools/engine`; a cold build is ~2.5 minutes on 2 cores."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.e2e_support import docker, on_local_bases, steps_in
from tests.support import FIXTURES, run
from tests.uv_export import UV

pytestmark = pytest.mark.e2e
IMAGES = {  # bake target -> what its entry point prints first
    "api": "api uid=10001 psycopg2 2.9.10",
    "worker-3-11": "worker uid=10001 python 3.11",
    "worker-3-13": "worker uid=10001 python 3.13",
    "report": "report six 1.16.0",
}


@pytest.fixture(scope="module")
def mono(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scenario on the local bases, in git, emitted, locked and built whole once."""
    root = tmp_path_factory.mktemp("uv") / "ws"
    shutil.copytree(FIXTURES / "workspaces/uv_monorepo", root)
    on_local_bases(root)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(root)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    assert run("emit", cwd=root).code == 0
    result = run("build", "--all", cwd=root)
    assert result.code == 0, result.out[-4000:] + result.err
    assert run("lock", cwd=root).code == 0
    return root


def tag(root: Path, name: str) -> str:
    return json.loads((root / "build/docker-bake.json").read_text())["target"][name]["tags"][0]


def sh(root: Path, name: str, script: str) -> str:
    return docker("run", "--rm", "--entrypoint", "sh", tag(root, name), "-c", script).stdout


def rebuild(root: Path) -> list[str]:
    """Plan, emit and build everything that moved; the images the plan said would rebuild."""
    plan = json.loads(run("plan", "--format", "json", cwd=root).out)
    moved = sorted(
        t["label"] for t in plan["targets"] if t["kind"] == "image" and t["status"] != "unchanged"
    )
    assert run("emit", cwd=root).code == 0
    for log in (root / ".graphbuild/logs").glob("*.log"):
        log.unlink()
    result = run("build", "--all", cwd=root)
    assert result.code == 0, result.out[-4000:] + result.err
    assert run("lock", cwd=root).code == 0
    return moved


def ran(root: Path, image: str) -> list[str]:
    """The steps of `image`'s log that did not come from the cache."""
    steps = steps_in((root / f".graphbuild/logs/{image}.log").read_text())
    return sorted(text for text, (_, status) in steps.items() if status != "CACHED")


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_each_image_runs_its_entry_point_as_a_numeric_user(mono: Path, name: str):
    out = docker("run", "--rm", tag(mono, name)).stdout
    assert out.startswith(IMAGES[name]), out


@pytest.mark.parametrize("name", ["api", "worker-3-11", "worker-3-13"])
def test_uv_images_ship_no_installer_compiler_or_writable_venv(mono: Path, name: str):
    script = (
        "ls /opt/venv/bin /opt/venv/lib/python3.*/site-packages; command -v cc gcc uv pip;"
        " (touch /opt/venv/probe 2>/dev/null && echo venv-writable) || echo venv-readonly;"
        " find /opt/venv -name '*.pyc' | head -1 | grep -q . && echo compiled; true"
    )
    listing = sh(mono, name, script).split()
    assert "venv-readonly" in listing and "compiled" in listing
    shipped = [f for f in listing if f.split("-")[0] in ("pip", "uv", "setuptools", "wheel")]
    assert shipped == [] and not [f for f in listing if f.startswith("/usr/bin/")]
    assert "money" in listing  # the internal library, installed non-editable
    if name == "api":
        assert {"db", "psycopg2", "requests"} <= set(listing)


def test_library_edit_reruns_its_layer_and_after_in_the_images_that_hold_it(mono: Path):
    with open(mono / "libs/db/src/db/__init__.py", "a") as handle:
        handle.write(f"# an edit {uuid.uuid4()}\n")
    assert rebuild(mono) == ["//services/api:api", "//services/api:api-dev"]
    api = ran(mono, "api")
    install_db = [s for s in api if "--prefix /opt/library /build/libs/db &&" in s]
    assert "COPY libs/db/src/ /src/" in api and len(install_db) == 1  # in #lib-db
    assert "COPY --from=services-api-lib-db /opt/library/ /opt/venv/" in api  # into the venv
    # everything before the db layer came from the cache: the lock slice, money's layer, and
    # the service's own build (#member is built on #toolchain, which holds no library)
    assert not [s for s in api if "requirements.txt" in s or "libs/money" in s]
    assert not [s for s in api if "/opt/member" in s and "COPY --from" not in s]
    # the dev image re-copies the venv after its tools, and installs nothing again
    dev = ran(mono, "api-dev")
    assert any(s.startswith("COPY --from=services-api-builder /opt/venv") for s in dev)
    assert not [s for s in dev if "apt-get" in s]
    for other in ("worker-3-11", "worker-3-13", "report"):
        assert ran(mono, other) == [], other


def test_a_pin_moved_in_one_member_rebuilds_that_image_only(mono: Path):
    if UV is None:
        pytest.skip("uv is not installed (pip install '.[test]' brings it)")
    pyproject = mono / "services/worker/pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"six>=1.16"', '"six==1.16.0"'))
    subprocess.run([UV, "lock"], cwd=mono, check=True, capture_output=True)
    assert rebuild(mono) == ["//services/worker:worker@3.11", "//services/worker:worker@3.13"]
    for other in ("api", "api-dev", "report"):
        assert ran(mono, other) == [], other
    # the slice is in the worker's solve; BuildKit may take its install from the cache where an
    # earlier run of this test built the same slice, so the image tells what it holds
    worker = steps_in((mono / ".graphbuild/logs/worker-3-11.log").read_text())
    assert any("build/locks/services-worker-worker-3.11.txt" in s for s in worker)
    assert "six 1.16.0" in docker("run", "--rm", tag(mono, "worker-3-11")).stdout
    # a library is built on the toolchain alone: the slice's move leaves its build cached
    assert any("--prefix /opt/library /build/libs/money" in s for s in worker)
    assert not [s for s in ran(mono, "worker-3-11") if "--prefix /opt/library" in s]


def test_a_service_source_edit_reruns_only_its_source_layer(mono: Path):
    with open(mono / "services/api/src/api/main.py", "a") as handle:
        handle.write(f"# an edit {uuid.uuid4()}\n")
    assert rebuild(mono) == ["//services/api:api", "//services/api:api-dev"]
    steps = ran(mono, "api")  # the member's own layers, and its src copied beside it last
    install = [t for t in steps if "--prefix /opt/member /build/services/api" in t]
    assert len(install) == 1
    assert steps == sorted([
        "COPY --from=services-api-member /opt/member/ /opt/venv/",
        "COPY services/api/src/ /app/",
        "COPY services/api/src/ /build/services/api/src/",
        *install,
    ])  # fmt: skip
    # the dev image makes the same copies after its tools, and not its tools' install again
    assert ran(mono, "api-dev") == steps

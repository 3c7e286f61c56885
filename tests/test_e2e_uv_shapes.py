"""The shapes workspace on the real engine, from `graphbuild init` with no edit: the service's
internal library is a namespace package whose backend reads a license and a version file, the
service itself is installed as a package with its console script on PATH, and a source edit
re-runs only the member's own layers (read from BuildKit's log). Needs `tools/engine`."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from tests.e2e_support import docker, on_local_bases, steps_in
from tests.support import FIXTURES, git, run

pytestmark = pytest.mark.e2e
SVC = "//services/svc:svc"


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture as a team has it (no BUILD.toml), init'ed, on the local bases, built."""
    root = tmp_path_factory.mktemp("shapes") / "shapes"
    shutil.copytree(FIXTURES / "uv/shapes", root)
    assert run("init", cwd=root).code == 0
    on_local_bases(root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    assert run("emit", cwd=root).code == 0
    result = run("build", SVC, cwd=root)
    assert result.code == 0, result.out[-4000:] + result.err
    return root


def tag(root: Path) -> str:
    return json.loads((root / "docker/docker-bake.json").read_text())["target"]["svc"]["tags"][0]


def sh(root: Path, script: str) -> str:
    return docker("run", "--rm", "--entrypoint", "sh", tag(root), "-c", script).stdout


def test_the_console_script_runs_from_the_installed_member(shapes: Path):
    out = docker("run", "--rm", tag(shapes)).stdout.strip()
    assert out == (
        "hello svc from acme.greeter 0.3.1 | HELLO SVC FROM ACME.GREETER 0.3.1 | plugin |"
        " docopt 0.6.2 | svc 1.0.0"
    )
    assert sh(shapes, "command -v svc; command -v svc-admin").split() == [
        "/opt/venv/bin/svc", "/opt/venv/bin/svc-admin",
    ]  # fmt: skip


def test_the_namespace_library_carries_its_license_and_no_dev_member(shapes: Path):
    site = "/opt/venv/lib/python3*/site-packages"
    found = sh(shapes, f"ls -d {site}/acme/greeter; ls {site}/acme/__init__.py 2>&1; true")
    assert "acme/greeter" in found and "No such file" in found  # a namespace: no __init__.py
    info = f"{site}/acme_greeter-0.3.1.dist-info"
    assert "Permission is granted" in sh(shapes, f"cat {info}/licenses/LICENSE-CODE")
    assert sh(shapes, f"ls {site} | grep -c -i '^tools' || true").strip() == "0"


def test_no_installer_or_compiler_and_a_read_only_venv(shapes: Path):
    assert sh(shapes, "id -u").strip() == "10001"
    assert sh(shapes, "for t in pip uv gcc cc; do command -v $t; done; true").strip() == ""
    writable = "import os; print(os.access('/opt/venv/lib', os.W_OK))"
    assert sh(shapes, f'python -c "{writable}"').strip() == "False"
    found = "import importlib.util as u; print([m for m in ('pip', 'uv') if u.find_spec(m)])"
    assert sh(shapes, f'python -c "{found}"').strip() == "[]"


def test_a_source_edit_reruns_only_the_members_layers(shapes: Path):
    source = shapes / "services/svc/src/svc/__init__.py"
    edit = f"# an edit {uuid.uuid4()}\n"  # new to the engine's cache whatever ran before
    source.write_text(source.read_text() + edit)
    assert run("emit", cwd=shapes).code == 0
    for log in (shapes / ".graphbuild/logs").glob("*.log"):
        log.unlink()
    result = run("build", SVC, cwd=shapes)
    assert result.code == 0, result.out[-4000:] + result.err
    steps = steps_in((shapes / ".graphbuild/logs/svc.log").read_text())
    ran = sorted(text for text, (_, status) in steps.items() if status != "CACHED")
    install = [t for t in ran if "--prefix /opt/member /build/services/svc" in t]
    assert ran == sorted([
        "COPY --from=services-svc-member /opt/member/ /opt/venv/",
        "COPY services/svc/src/ /build/services/svc/src/",  # pyproject.toml's COPY: CACHED
        *install,
    ])  # fmt: skip
    assert len(install) == 1
    assert edit.strip() in sh(shapes, "cat /opt/venv/lib/python3*/site-packages/svc/__init__.py")

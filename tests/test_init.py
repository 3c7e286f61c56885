"""`graphbuild init` on an existing uv workspace: the BUILD.toml files it writes (snapshotted),
that they plan, that a second run leaves them alone, and its refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support import FIXTURES, run


def bare_workspace(tmp_path: Path) -> Path:
    """The uv_monorepo scenario without any BUILD.toml: a uv workspace as teams have it."""
    root = tmp_path / "acme-mono"
    shutil.copytree(FIXTURES / "workspaces/uv_monorepo", root)
    for build in root.rglob("BUILD.toml"):
        build.unlink()
    shutil.rmtree(root / "images")
    return root


def test_init_writes_the_root_and_a_build_toml_per_entry_point(tmp_path: Path, text_snapshot):
    root = bare_workspace(tmp_path)
    result = run("init", cwd=root)
    assert result.code == 0, result.err
    assert result.out == text_snapshot(name="output")
    written = sorted(str(p.relative_to(root)) for p in root.rglob("BUILD.toml"))
    assert written == ["BUILD.toml", "services/api/BUILD.toml", "services/worker/BUILD.toml"]
    for path in written:
        assert (root / path).read_text() == text_snapshot(name=path)
    plan = run("plan", cwd=root)
    assert plan.code in (0, 1), plan.err
    assert "new        //services/api:api" in plan.out
    assert "new        //services/worker:worker" in plan.out


def test_init_leaves_existing_build_files_alone(tmp_path: Path):
    root = bare_workspace(tmp_path)
    run("init", cwd=root)
    before = {p: p.read_text() for p in root.rglob("BUILD.toml")}
    again = run("init", cwd=root)
    assert again.code == 0
    assert "services/api: left alone: has a BUILD.toml already" in again.out
    assert {p: p.read_text() for p in root.rglob("BUILD.toml")} == before


def test_init_on_dockerfiles_points_at_import(tmp_path: Path):
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc/Dockerfile").write_text("FROM scratch\n")
    result = run("init", cwd=tmp_path)
    assert result.code == 0
    assert result.out.splitlines() == [
        "no uv workspace here, and 1 Dockerfile: import each with",
        "  graphbuild import svc/Dockerfile",
    ]


def test_init_without_a_uv_workspace_is_one_line_and_exit_2(tmp_path: Path):
    result = run("init", cwd=tmp_path)
    assert result.code == 2
    assert result.err.splitlines() == [
        "graphbuild: error: no uv workspace here: init reads a root pyproject.toml with"
        " [tool.uv.workspace] (or a project) and its uv.lock"
    ]


def test_init_refuses_a_workspace_without_uv_and_writes_nothing(tmp_path: Path):
    root = bare_workspace(tmp_path)
    (root / "BUILD.toml").write_text('[workspace]\nname = "x"\n')
    result = run("init", cwd=root)
    assert result.code == 2
    assert result.err.startswith("graphbuild: error: BUILD.toml declares no python_interpreter")
    assert sorted(p.name for p in root.rglob("BUILD.toml")) == ["BUILD.toml"]

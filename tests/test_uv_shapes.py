"""uv workspaces shaped as teams have them (#23), each through init -> emit -> plan -> lint
with no edit, and checked against uv itself: `uv lock --check` accepts each lock as it is,
every lock slice equals `uv export`, and uv's own list of members is graphbuild's.

shapes: sources only at the root (listing every member, itself included), a sibling pinned
by version, a member only a dev group uses (its version and dependencies dynamic), a namespace
package with a license and a version file its backend reads, a flat layout, a member nested in
a member, two console scripts, a service with its own Dockerfile, an sdist-only dependency.
subfolder: the workspace in python/, `==3.12.*`. uv_monorepo: the first scenario."""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
from pathlib import Path

import pytest

from graphbuild.core.errors import LoadError
from graphbuild.definition.entry_points import Found, dockerfile_entry
from graphbuild.definition.uv_workspace import folder_cover, load_uv_workspace
from tests.support import FIXTURES, run
from tests.uv_export import UV, exported, slice_member, sliced

SHAPES = {  # case -> (its folder, where the uv workspace is in it)
    "shapes": (FIXTURES / "uv/shapes", "."),
    "subfolder": (FIXTURES / "uv/subfolder", "python"),
    "uv_monorepo": (FIXTURES / "workspaces/uv_monorepo", "."),
}
needs_uv = pytest.mark.skipif(UV is None, reason="uv is not installed (the [test] extra has it)")


def python_312() -> str | None:
    """A CPython 3.12 on this machine, for `uv lock --check` of a `==3.12.*` workspace."""
    found = [
        shutil.which("python3.12"),
        *map(str, Path.home().glob(".pyenv/versions/3.12*/bin/python3.12")),
    ]
    for candidate in filter(None, found):
        if subprocess.run([candidate, "-c", ""], capture_output=True).returncode == 0:
            return candidate
    return None


def bare(tmp_path: Path, case: str) -> Path:
    """The fixture copied, without the BUILD.toml files a team would not have yet."""
    root = tmp_path / case.replace("_", "-")
    shutil.copytree(SHAPES[case][0], root)
    for build in root.rglob("BUILD.toml"):
        build.unlink()
    shutil.rmtree(root / "images", ignore_errors=True)
    return root


@pytest.mark.parametrize("case", sorted(SHAPES))
def test_init_emit_plan_lint_with_no_edit(case: str, tmp_path: Path, text_snapshot):
    root = bare(tmp_path, case)
    init = run("init", cwd=root)
    assert init.code == 0, init.err
    assert init.out == text_snapshot(name="init")
    workspace = root / SHAPES[case][1]
    for path in sorted(workspace.rglob("BUILD.toml")):
        assert path.read_text() == text_snapshot(name=str(path.relative_to(root)))
    assert run("emit", cwd=workspace).code == 0
    assert (workspace / "docker/Dockerfile").read_text() == text_snapshot(name="Dockerfile")
    assert run("plan", "--check", cwd=workspace).code == 0  # emit locked what it wrote
    lint = run("lint", cwd=workspace)
    assert lint.code == 0, lint.out
    assert lint.out == text_snapshot(name="lint")


@needs_uv
@pytest.mark.parametrize("case", sorted(SHAPES))
def test_uv_accepts_the_lock_and_every_slice_equals_uv_export(case: str, tmp_path: Path):
    root = bare(tmp_path, case)
    workspace = root / SHAPES[case][1]
    python = python_312() if case == "subfolder" else None
    check = [UV, "lock", "--check"] + (["--python", python] if python else [])
    if case != "subfolder" or python:  # ==3.12.* needs a 3.12 to resolve with
        env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
        done = subprocess.run(check, cwd=workspace, capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
    assert run("init", cwd=root).code == 0
    assert run("emit", cwd=workspace).code == 0
    slices = sorted((workspace / "docker/locks").glob("*.txt"))
    assert slices
    for path in slices:
        member, version = slice_member(path)
        assert sliced(path) == exported(workspace, member, version), path.name


@needs_uv
@pytest.mark.parametrize("case", sorted(SHAPES))
def test_members_and_folders_are_uvs(case: str):
    """graphbuild reads members from uv.lock; uv's own `workspace list --paths` agrees."""
    workspace = SHAPES[case][0] / SHAPES[case][1]
    done = subprocess.run(
        [UV, "workspace", "list", "--paths", "--preview-features", "workspace-list"],
        cwd=workspace, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(done.stderr)
    theirs = sorted(os.path.relpath(line, workspace) for line in done.stdout.split())
    files = [str(p.relative_to(workspace)) for p in workspace.rglob("*") if p.is_file()]
    uv = load_uv_workspace(lambda p: (workspace / p).read_text(), files)
    assert uv is not None
    ours = sorted(m.path or "." for m in uv.members.values())
    assert ours == theirs
    # The same workspace read from the folder above (python_workspace = its name): the same
    # members, at root-relative paths.
    above = [f"{workspace.name}/{f}" for f in files]
    nested = load_uv_workspace(lambda p: (workspace.parent / p).read_text(), above, workspace.name)
    assert nested is not None and nested.lock_file == f"{workspace.name}/uv.lock"
    moved = sorted(posixpath.normpath(f"{workspace.name}/{t}") for t in theirs)
    assert sorted(m.path for m in nested.members.values()) == moved
    assert [m.files for m in nested.members.values()] == [m.files for m in uv.members.values()]


def test_a_lock_problem_in_a_folder_names_that_folders_lock(tmp_path: Path):
    """Errors about the lock of a uv workspace in a folder name the file where it is."""
    (tmp_path / "python").mkdir()
    (tmp_path / "python/pyproject.toml").write_text('[tool.uv.workspace]\nmembers = ["a"]\n')
    (tmp_path / "python/uv.lock").write_text("version = 9\n")
    files = ["python/pyproject.toml", "python/uv.lock"]
    with pytest.raises(LoadError) as caught:
        load_uv_workspace(lambda p: (tmp_path / p).read_text(), files, "python")
    assert str(caught.value).startswith("python/uv.lock:1: version: unsupported uv.lock version 9")


def test_a_dev_group_member_is_never_installed(tmp_path: Path):
    root = bare(tmp_path, "shapes")
    run("init", cwd=root)
    run("emit", cwd=root)
    dockerfile = (root / "docker/Dockerfile").read_text()
    assert "libs/tools" not in dockerfile  # only svc's dev group names it
    assert "six" not in (root / "docker/locks/services-svc-svc.txt").read_text()


def test_the_library_stage_holds_the_members_folder_less_nested_members(tmp_path: Path):
    root = bare(tmp_path, "shapes")
    run("init", cwd=root)
    run("emit", cwd=root)
    dockerfile = (root / "docker/Dockerfile").read_text()
    greeter = dockerfile.split("FROM scratch AS libs-greeter\n")[1].split("\n\n")[0]
    assert greeter.splitlines() == [
        "COPY libs/greeter/LICENSE-CODE libs/greeter/pyproject.toml /",
        "COPY libs/greeter/acme/ /acme/",
    ]
    flatlib = dockerfile.split("FROM scratch AS libs-flatlib\n")[1].split("\n\n")[0]
    assert "plugin" not in flatlib  # the nested member is its own library


def test_folder_cover_skips_nested_folders_and_graphbuilds_own_file():
    files = ["pyproject.toml", "BUILD.toml", "a/x.py", "a/sub/y.py", "a/sub/z/w.py", "b/c.py"]
    assert folder_cover(files, set()) == ("a/", "b/", "pyproject.toml")
    assert folder_cover(files, {"a/sub/z"}) == ("a/sub/y.py", "a/x.py", "b/", "pyproject.toml")


def test_a_dockerfiles_last_stage_gives_the_command():
    text = (
        'FROM python:3.12 AS build\nCMD ["not", "this"]\nFROM python:3.12-slim\n'
        'EXPOSE 8000/tcp 9000\nENTRYPOINT ["tini", "--"]\n# a comment\n'
        "CMD uvicorn app:app \\\n    --port 8000\n"
    )
    entry = dockerfile_entry("svc/Dockerfile", text)
    assert entry is not None and entry.found is Found.DOCKERFILE
    assert entry.entrypoint == ("tini", "--")
    assert entry.cmd == ("/bin/sh", "-c", "uvicorn app:app      --port 8000")
    assert entry.expose == (8000, 9000)
    assert dockerfile_entry("x/Dockerfile", "FROM scratch\nRUN true\n") is None


def test_init_plans_the_subfolder_workspace_on_the_official_312_image(tmp_path: Path):
    root = bare(tmp_path, "subfolder")
    out = run("init", cwd=root).out
    assert out.splitlines()[:2] == [
        "found the uv workspace in python/",
        "images use CPython 3.12 from the official python:3.12-slim-bookworm image (Debian has"
        " no such package; pin it by digest in BUILD.toml)",
    ]
    assert 'method = "image"' in (root / "python/BUILD.toml").read_text()
    assert not (root / "BUILD.toml").exists()  # the repository's root is not the workspace


def test_the_lock_is_read_through_the_one_provider_seam():
    from graphbuild.definition.lockfiles import PROVIDERS, load_locked_workspace

    assert [p.name for p in PROVIDERS] == ["uv"]
    assert load_locked_workspace(lambda path: None, []) is None  # no ecosystem's lock here
    shapes = FIXTURES / "uv/shapes"
    files = [str(p.relative_to(shapes)) for p in shapes.rglob("*") if p.is_file()]
    found = load_locked_workspace(lambda p: (shapes / p).read_text(), files)
    assert found is not None and sorted(found.members) == [
        "acme-greeter", "cron", "flatlib", "flatlib-plugin", "shapes", "svc", "tools",
    ]  # fmt: skip


def test_init_never_writes_over_the_teams_own_dockerfile():
    from graphbuild.definition.init_workspace import output_folder

    assert output_folder({"src/app.py"}) == "docker"
    assert output_folder({"docker/Dockerfile", "docker/entrypoint.sh"}) == "docker/graphbuild"
    taken = {"docker/Dockerfile", "docker/graphbuild/docker-bake.json"}
    assert output_folder(taken) == "graphbuild-out"


def test_which_wheels_install_on_the_images_cpython_and_glibc():
    from graphbuild.core.uv import LockedPackage, SourceKind
    from graphbuild.definition.wheels import builds_from_source, has_wheel

    def package(*wheels: str) -> LockedPackage:
        return LockedPackage("p", "1.0", SourceKind.REGISTRY, None, (), {}, {}, (), None,
                             wheels, True)  # fmt: skip

    assert has_wheel(package("p-1.0-py3-none-any.whl"), "3.13", "x86_64")
    assert has_wheel(package("p-1.0-cp311-abi3-manylinux_2_17_x86_64.whl"), "3.13", "x86_64")
    assert not has_wheel(package("p-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"), "3.13", "x86_64")
    assert not has_wheel(package("p-1.0-cp313-cp313-musllinux_1_2_x86_64.whl"), "3.13", "x86_64")
    assert not has_wheel(package("p-1.0-cp313-cp313-manylinux_2_39_x86_64.whl"), "3.13", "x86_64")
    assert not has_wheel(package("p-1.0-cp313-cp313-manylinux_2_17_x86_64.whl"), "3.13", "aarch64")
    assert builds_from_source([package()], "3.11", ["x86_64"]) == ("p 1.0",)


def test_a_single_uv_project_is_a_workspace_of_one(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "solo"\nversion = "1.0"\n\n[project.scripts]\nsolo = "solo:main"\n'
    )
    (tmp_path / "uv.lock").write_text(
        'version = 1\nrevision = 3\nrequires-python = ">=3.11"\n\n[[package]]\nname = "solo"\n'
        'version = "1.0"\nsource = { virtual = "." }\n'
    )
    files = ["pyproject.toml", "uv.lock", "solo/__init__.py"]
    uv = load_uv_workspace(lambda p: (tmp_path / p).read_text(), files)
    assert uv is not None and list(uv.members) == ["solo"]
    solo = uv.members["solo"]
    assert (solo.path, solo.packaged, dict(solo.scripts)) == ("", False, {"solo": "solo:main"})


@needs_uv
def test_a_slice_for_two_platforms_equals_uv_export_on_each_machine(tmp_path: Path):
    """An image for linux/amd64 and linux/arm64: its slice keeps each machine's packages behind
    a platform_machine marker, and on each machine it installs what `uv export` says."""
    root = tmp_path / "machines"
    shutil.copytree(FIXTURES / "uv/machines", root)
    (root / "BUILD.toml").write_text(
        '[workspace]\nname = "machines"\nplatforms = ["linux/amd64", "linux/arm64"]\n\n'
        '[external.trixie]\nimage = "debian:trixie-slim@sha256:' + "a" * 64 + '"\n\n'
        '[[target]]\nname = "os"\nrule = "distro_base"\nfrom = "@trixie"\n'
        'refresh = "2026-11-23"\n\n'
        '[[target]]\nname = "python"\nrule = "python_interpreter"\nmethod = "distro"\n'
        'base = ":os"\nversion = "3.13"\n\n'
        '[[target]]\nname = "uv"\nrule = "uv_installer"\nuv_image = "@trixie"\npath = "/uv"\n'
    )
    (root / "svc/BUILD.toml").write_text(
        '[[target]]\nname = "svc"\nrule = "python_app"\npython = "//:python"\nproject = "."\n'
        'uv = "//:uv"\n'
    )
    result = run("emit", cwd=root)
    assert result.code == 0, result.err
    (path,) = sorted((root / "build/locks").glob("*.txt"))
    text = path.read_text()
    assert "six==1.17.0 ; platform_machine == 'aarch64'" in text
    assert "idna==3.10 ; platform_machine == 'x86_64'" in text
    for machine in ("x86_64", "aarch64"):
        assert sliced(path, machine) == exported(root, "svc", "3.13", machine), machine

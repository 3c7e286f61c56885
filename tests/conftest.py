"""Shared fixtures: copies of the example workspace, an in-process CLI runner, file snapshots."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import attrs
import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from graphbuild.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE_PARTS = ("BUILD.toml", "images", "libs", "pyproject.toml", "uv.lock", "graphbuild.lock")


class TextSnapshot(SingleFileSnapshotExtension):
    """A whole text file as its own snapshot file."""

    _write_mode = WriteMode.TEXT
    file_extension = "txt"


class JSONSnapshot(TextSnapshot):
    file_extension = "json"


class DockerfileSnapshot(TextSnapshot):
    file_extension = "Dockerfile"


class TOMLSnapshot(TextSnapshot):
    file_extension = "toml"


@pytest.fixture
def text_snapshot(snapshot):
    return snapshot.use_extension(TextSnapshot)


@pytest.fixture
def json_snapshot(snapshot):
    return snapshot.use_extension(JSONSnapshot)


@pytest.fixture
def dockerfile_snapshot(snapshot):
    return snapshot.use_extension(DockerfileSnapshot)


@pytest.fixture
def toml_snapshot(snapshot):
    return snapshot.use_extension(TOMLSnapshot)


def copy_example(dest: Path) -> Path:
    """A copy of the bundled example workspace at `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in EXAMPLE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, dest / part)
    return dest


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A fresh copy of the example workspace."""
    return copy_example(tmp_path / "ws")


def git(workspace: Path, *args: str) -> str:
    """Run git in `workspace` as a fixed author; its output."""
    return subprocess.run(
        ["git", *args],
        cwd=workspace,
        check=True,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.invalid",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.invalid",
        },
    ).stdout


@attrs.frozen
class Result:
    code: int
    out: str
    err: str


def run(*args: str, cwd: Path) -> Result:
    """Run the CLI in-process in `cwd` and capture what it prints."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(["-C", str(cwd), *args])
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> Callable[..., Result]:
    return run


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as settled (no racy window): a test's files were all just written,
    so their ctimes are now, and no utime can age a ctime."""
    from graphbuild.hashing import file_digests

    monkeypatch.setattr(file_digests, "RACY_NS", -3600 * 10**9)

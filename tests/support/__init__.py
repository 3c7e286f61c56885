"""What the tests share besides fixtures: the repository's paths, copies of the bundled
example, git as a fixed author, and the CLI run in-process."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import attrs

from graphbuild.cli import main

REPO = Path(__file__).resolve().parent.parent.parent
FIXTURES = REPO / "tests" / "fixtures"
EXAMPLE_PARTS = ("BUILD.toml", "images", "libs", "pyproject.toml", "uv.lock", "graphbuild.lock")
__all__ = ["FIXTURES", "REPO", "Result", "copy_example", "git", "run"]


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

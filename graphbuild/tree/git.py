"""Running git in the workspace: one environment (never prompting, in the C locale, on the
workspace's own repository whatever the caller's shell says), started or run to completion."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from graphbuild.core.errors import BaselineError


def git_env() -> dict[str, str]:
    """The environment every git command gets."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)  # the workspace's own repository, whatever the caller's shell says
    return env


def start_git(root: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start a git command in `root` (status may refresh the index's stat data, as a `git
    status` by hand does)."""
    return subprocess.Popen(
        ["git", *args],
        cwd=root,
        env=git_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def run_git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a git command in `root` to completion, its output as text (universal newlines);
    never raises for git's own failures."""
    return completed(root, args, text=True)


def run_git_binary(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """run_git, its output as bytes (an archive)."""
    return completed(root, args, text=False)


def completed(root: Path, args: tuple[str, ...], text: bool) -> Any:
    """A git command run to completion; BaselineError when git cannot be run at all."""
    try:
        return subprocess.run(
            ["git", *args], cwd=root, env=git_env(), capture_output=True, check=False,
            stdin=subprocess.DEVNULL, text=text,
        )  # fmt: skip
    except OSError as err:
        raise BaselineError(f"cannot run git: {err.strerror}") from None


def ignored_by_git(root: Path, paths: list[str]) -> list[str]:
    """Those of `paths` (workspace-relative) a .gitignore rule hides from `git add`, untracked;
    none outside a git repository or without git."""
    try:
        done = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"], cwd=root, env=git_env(), check=False,
            input="\0".join(paths).encode(), capture_output=True,
        )  # fmt: skip
    except OSError:
        return []
    if done.returncode != 0:  # 1: none ignored; 128: not a repository
        return []
    return sorted(p for p in done.stdout.decode().split("\0") if p)

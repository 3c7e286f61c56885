"""The git commands of a view of the tree, started first thing: this module imports nothing
heavy, so a command starts them before its own imports and git's walk overlaps them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from graphbuild.tree.git import start_git

GIT_TIMEOUT = 120
CONFIG_KEYS = r"^core\.(filemode|symlinks|autocrlf|eol|attributesfile)$"

# status, ls-files, rev-parse (prefix, info/attributes), config: status is the long one
GitRun = tuple[subprocess.Popen[bytes], ...]


# what is changed, untracked or ignored (Docker sends ignored files: they are stat-ed)
STATUS = (
    "status",
    "--porcelain=v1",
    "-z",
    "--no-renames",
    "--ignored=traditional",
    "--untracked-files=normal",
    "--ignore-submodules=none",
    "--",
    ".",
)
LS_FILES = ("ls-files", "-s", "-v", "-z", "--", ".")  # every file of the index, and its id


def start_view(root: Path) -> GitRun | None:
    """Start the git commands a view needs, the longest first (they run while the caller does
    other work); None when there is no git on this machine."""
    try:
        return (
            start_git(root, *STATUS),
            start_git(root, *LS_FILES),
            start_git(root, "rev-parse", "--show-prefix", "--git-path", "info/attributes"),
            start_git(root, "config", "-z", "--get-regexp", CONFIG_KEYS),
        )
    except OSError:
        return None


def output(process: subprocess.Popen[bytes]) -> bytes | None:
    """A started git command's output, or None when it failed."""
    try:
        out, _ = process.communicate(timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.terminate()  # not SIGKILL: git removes its lock files on SIGTERM
        process.communicate()
        return None
    return out if process.returncode == 0 else None


def stop_git(run: GitRun | None) -> None:
    """Stop and reap those of a view's commands nobody waited for (a command that failed
    before it took the view): SIGTERM, on which git removes its lock files (SIGKILL would
    leave status's index.lock behind)."""
    for process in run or ():
        if process.returncode is None:
            process.terminate()
            process.communicate()

"""What git's object store and index listing say of one folder: HEAD's tree ids for folders,
a tree's files, the index entries below a folder (docs/design.md §5: folders by tree id)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

from graphbuild.core.model import BLOB_HEX
from graphbuild.tree.git import git_env
from graphbuild.tree.git_start import GIT_TIMEOUT
from graphbuild.tree.git_view import INDEX_LINE, MODES, index_seek


def indexed_below(index: bytes, folder: str) -> dict[str, tuple[int, str]]:
    """path -> (mode, object id) of every stage-0 entry of an index listing below `folder`
    (its lines are sorted by path, so they are found together)."""
    prefix = folder.encode("utf-8", "surrogateescape") + b"/"
    found: dict[str, tuple[int, str]] = {}
    for line in INDEX_LINE.finditer(index, index_seek(index, prefix)):
        mode, blob, stage, raw = line.group(2, 3, 4, 5)
        if not raw.startswith(prefix):
            break
        if stage == b"0" and mode in MODES:
            found[raw.decode("utf-8", "surrogateescape")] = (MODES[mode], blob.decode())
    return found


def head_trees(root: Path, prefix: str, folders: Iterable[str]) -> dict[str, str]:
    """folder -> the id of the tree git's HEAD commit holds there (workspace-relative folders;
    those HEAD has no tree for are left out; none when git cannot answer)."""
    asked = [f for f in folders if "\n" not in f]
    if not asked:
        return {}
    lines = "".join(f"HEAD:{prefix}{folder}\n" for folder in asked).encode(
        "utf-8", "surrogateescape"
    )
    try:
        done = subprocess.run(
            ["git", "cat-file", "--batch-check"], cwd=root, env=git_env(),
            input=lines,
            capture_output=True, check=False, timeout=GIT_TIMEOUT,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return {}
    answers = done.stdout.split(b"\n")
    if done.returncode != 0 or len(answers) < len(asked):
        return {}
    found = {}
    for folder, answer in zip(asked, answers, strict=False):
        oid, _, kind = answer.partition(b" ")
        if kind.startswith(b"tree ") and len(oid) == BLOB_HEX:
            found[folder] = oid.decode()
    return found


TREE_LINE = re.compile(rb"(\d{6}) blob ([0-9a-f]{40})\t([^\0]*)\0")


def tree_files(root: Path, tree: str, folder: str) -> dict[str, tuple[int, str]] | None:
    """workspace path -> (mode, blob id) of every file of a tree in git's object store, read as
    the tree of `folder`; None when git does not have it."""
    if not re.fullmatch(r"[0-9a-f]{40}", tree):
        return None
    try:
        done = subprocess.run(
            ["git", "ls-tree", "-r", "-z", tree], cwd=root, env=git_env(),
            capture_output=True, check=False, timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return {
        f"{folder}/{raw.decode('utf-8', 'surrogateescape')}": (MODES[mode], blob.decode())
        for mode, blob, raw in TREE_LINE.findall(done.stdout)
        if mode in MODES
    }

"""What git's object store and index listing say of one folder: HEAD's tree ids for folders,
a tree's files, the index entries below a folder (docs/design.md §5: folders by tree id)."""

from __future__ import annotations

import re
import stat
import subprocess
import threading
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


def head_trees(
    root: Path, prefix: str, folders: Iterable[str], commit: str = "HEAD"
) -> dict[str, str]:
    """folder -> the id of the tree git's HEAD (or `commit`) holds there (workspace-relative
    folders; those it has no tree for are left out; none when git cannot answer)."""
    asked = [f for f in folders if "\n" not in f]
    if not asked:
        return {}
    lines = "".join(f"{commit}:{prefix}{folder}\n" for folder in asked).encode(
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


class TreesAhead:
    """head_trees of the given folders, asked on a thread so git answers while the caller
    works on (the folders a stage may name whole are known before the inputs are matched)."""

    def __init__(self, root: Path, prefix: str, folders: Iterable[str], commit: str) -> None:
        self._found: dict[str, str] = {}
        asked = sorted(set(folders))
        self._thread = threading.Thread(
            target=lambda: self._found.update(head_trees(root, prefix, asked, commit)),
            daemon=True,
        )
        self._thread.start()

    def result(self, folders: Iterable[str]) -> dict[str, str]:
        """folder -> tree id of those of `folders` git answered for (waits for it)."""
        self._thread.join()
        return {f: self._found[f] for f in folders if f in self._found}


TreeAsk = tuple[str, str]  # (tree id, the workspace folder it is read as)
Listing = dict[str, tuple[int, str]]  # workspace path -> (mode, object id)


def folder_trees_files(root: Path, asked: Iterable[TreeAsk]) -> dict[TreeAsk, Listing]:
    """(tree id, folder) -> workspace path -> (mode, object id) of every file below each tree of
    git's object store, read as the tree of that folder; those git does not have are left out.
    One `git cat-file --batch` a level of folders, whatever the number of trees (a process per
    tree cost a plan 4 ms each)."""
    pending = {(tree, folder): (tree, folder) for tree, folder in asked if is_object_id(tree)}
    files: dict[TreeAsk, Listing] = {ask: {} for ask in pending}
    while pending:  # (a tree, the folder it is at) -> the ask it is below
        objects = read_trees(root, sorted({tree for tree, _ in pending}))
        if objects is None:
            return {}
        deeper: dict[TreeAsk, TreeAsk] = {}
        for (tree, folder), ask in pending.items():
            try:
                entries = tree_entries(objects[tree], len(tree) // 2)
            except (KeyError, ValueError):  # not in git, or not a tree git would write
                files.pop(ask, None)
                continue
            for mode, name, oid in entries:
                path = f"{folder}/{name}"
                if stat.S_ISDIR(mode):
                    deeper[(oid, path)] = ask
                elif mode in FILE_MODES and ask in files:
                    files[ask][path] = (mode, oid)
        pending = deeper
    return files


FILE_MODES = frozenset(MODES.values())  # a file or a symlink (not a folder or a submodule)


def is_object_id(text: str) -> bool:
    """True for a SHA-1 or SHA-256 object id in lower-case hex."""
    return re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", text) is not None


def read_trees(root: Path, trees: list[str]) -> dict[str, bytes] | None:
    """tree id -> the raw tree object, for each of `trees` git has as a tree; None when git
    cannot answer."""
    return read_objects(root, trees, b"tree")


def read_objects(root: Path, ids: list[str], kind: bytes) -> dict[str, bytes] | None:
    """object id -> its content, for each of `ids` git has as an object of `kind` (`blob`,
    `tree`), in one `git cat-file --batch`; None when git cannot answer."""
    try:
        done = subprocess.run(
            ["git", "cat-file", "--batch"], cwd=root, env=git_env(),
            input="".join(f"{oid}\n" for oid in ids).encode(),
            capture_output=True, check=False, timeout=GIT_TIMEOUT,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    out, at, found = done.stdout, 0, {}
    for oid in ids:
        end = out.find(b"\n", at)
        if end < 0:
            return None
        head = out[at:end].split(b" ")
        at = end + 1
        if len(head) != 3 or not head[2].isdigit():  # "<id> missing"
            continue
        size = int(head[2])
        if head[1] == kind and head[0] == oid.encode():
            found[oid] = out[at : at + size]
        at += size + 1
    return found


def tree_entries(raw: bytes, width: int) -> list[tuple[int, str, str]]:
    """(mode, name, object id) of each entry of a raw tree object with ids of `width` bytes,
    the mode as git reads it."""
    entries = []
    at = 0
    while at < len(raw):
        space = raw.index(b" ", at)
        nul = raw.index(b"\0", space)
        oid = raw[nul + 1 : nul + 1 + width].hex()
        entries.append((file_mode(int(raw[at:space], 8)), raw[space + 1 : nul].decode(*NAMES), oid))
        at = nul + 1 + width
    return entries


NAMES = ("utf-8", "surrogateescape")


def file_mode(mode: int) -> int:
    """A tree entry's mode as git reads it: a regular file's is 100644 or 100755 (an old
    100664 is 100644)."""
    if stat.S_ISREG(mode):
        return 0o100755 if mode & 0o100 else 0o100644
    return mode

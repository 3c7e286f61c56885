"""A re-plan after a few edits: when the edits leave the workspace's shape alone (no
BUILD.toml, no file added or removed, no symlink), whether in the work tree, staged, or
committed since (git's index listing is compared line by line), only the edited files are
digested and only the stages that read them, and their dependents, are hashed again."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from pathlib import Path

import attrs

from graphbuild.core.labels import Label
from graphbuild.core.uv import ROOT_PYPROJECT, UV_LOCK
from graphbuild.definition.layout import BUILD_FILE
from graphbuild.graph.link import Graph
from graphbuild.hashing.file_digests import Caches, FileDigest, digest_files
from graphbuild.hashing.stages import Hashes, rehash_graph
from graphbuild.hashing.trees import files_read, index_folder_files
from graphbuild.tree.git_view import MODES, GitView, folder_state, index_entry
from graphbuild.tree.walk import Entry, Tree, vouched_entry

MAX_EDITS = 256  # beyond this many changed paths, the full analysis is as quick


class Reshape(enum.Enum):
    """Why the edits since the last run may have changed the workspace's shape (so the full
    analysis runs)."""

    FOLDERS = "untracked or ignored folders, nested workspaces or BUILD.toml files changed"
    INDEX_LOST = "git's index listing of the last run is not stored"
    TOO_MANY = f"more than {MAX_EDITS} paths changed"
    BUILD_FILE = "a BUILD.toml changed"
    UV_WORKSPACE = "a pyproject.toml or uv.lock changed (the uv workspace's definition)"
    INDEX_MEMBERSHIP = "a file was added to or removed from git's index"
    SYMLINK = "a symlink changed"
    ADDED_OR_REMOVED = "a file was added or removed"


@attrs.frozen
class Unchanged:
    """git's view is the one the memo was made from."""


@attrs.frozen
class Edits:
    """Files edited in place since the memo, with what is known of each now."""

    files: Mapping[str, Entry]


@attrs.frozen
class Reshaped:
    """The workspace's shape may have changed since the memo."""

    reason: Reshape


Delta = Unchanged | Edits | Reshaped


@attrs.frozen
class ViewState:
    """What the memo keeps of git's view: enough to tell which paths moved since."""

    index_digest: bytes
    index: bytes | None  # the index listing, to find the paths whose line changed (kept in a
    # file of its own: None in the memo itself)
    entries: Mapping[str, tuple[object, ...]]  # the stat-ed files, as plain tuples
    skip: frozenset[str]
    rest: tuple[object, ...]  # the stat-ed part's problems, nested folders, BUILD.toml files


def view_state(view: GitView) -> ViewState:
    """The part of a view a later run compares with."""
    walk = view.changed
    return ViewState(
        view.index_digest,
        view.index,
        {path: tuple(entry) for path, entry in walk.entries.items()},
        view.skip,
        rest_of(view),
    )


def rest_of(view: GitView) -> tuple[object, ...]:
    """What else the stat-ed part of a view found: problems, nested workspaces, BUILD files."""
    walk = view.changed
    return tuple(
        tuple(sorted(found)) for found in (walk.problems.items(), walk.nested, walk.build_files)
    )


def edited_paths(old: ViewState, view: GitView) -> Edits | Reshaped:
    """The files edited since `old` with what is known of each now, or why the shape of the
    workspace may have changed (or too much did to be worth the bookkeeping)."""
    if old.rest != rest_of(view):
        return Reshaped(Reshape.FOLDERS)
    new = view.changed.entries
    moved = {p for p in old.entries.keys() | new.keys() if old.entries.get(p) != tuple_of(new, p)}
    moved |= old.skip ^ view.skip
    if old.index_digest != view.index_digest:
        if old.index is None:
            return Reshaped(Reshape.INDEX_LOST)
        lines = set(old.index.split(b"\0")) ^ set(view.index.split(b"\0"))
        if len(lines) > 2 * MAX_EDITS:
            return Reshaped(Reshape.TOO_MANY)
        moved |= {line.partition(b"\t")[2].decode("utf-8", "surrogateescape") for line in lines}
    if len(moved) > MAX_EDITS:
        return Reshaped(Reshape.TOO_MANY)
    state: dict[str, tuple[bool, bool]] = {"": (False, False)}
    is_excluded = view.changed.is_excluded
    edited: dict[str, Entry] = {}
    for path in moved:
        parent, _, name = path.rpartition("/")
        if name == BUILD_FILE:
            return Reshaped(Reshape.BUILD_FILE)
        if name in (ROOT_PYPROJECT, UV_LOCK):  # the lock slices and libraries come from them
            return Reshaped(Reshape.UV_WORKSPACE)
        excluded = folder_state(state, parent, is_excluded)[0] or is_excluded(name, path)
        indexed = index_entry(view.index, path)
        indexed_before = index_entry(old.index or view.index, path)
        if (indexed is None) != (indexed_before is None):
            return Reshaped(Reshape.INDEX_MEMBERSHIP)  # its globs may match differently
        vouched_before = indexed_before is not None and path not in old.skip and not excluded
        vouched_now = indexed is not None and path not in view.skip and not excluded
        before = old.entries.get(path) is not None or vouched_before
        if vouched_now:
            assert indexed is not None  # vouched for: in the index
            mode, blob = indexed
            if mode != MODES[b"100644"] and mode != MODES[b"100755"]:
                return Reshaped(Reshape.SYMLINK)  # its target shapes the inputs
            now: Entry | None = vouched_entry(mode, blob)
        else:
            now = new.get(path)
        if before != (now is not None):
            return Reshaped(Reshape.ADDED_OR_REMOVED)  # globs may match differently
        if now is None:
            continue  # neither before nor now part of the workspace
        old_entry = old.entries.get(path)
        if now.link is not None or (old_entry is not None and Entry._make(old_entry).link):
            return Reshaped(Reshape.SYMLINK)
        if indexed_before is not None and indexed_before[0] == MODES[b"120000"]:
            return Reshaped(Reshape.SYMLINK)  # was a symlink
        edited[path] = now
    return Edits(edited)


def tuple_of(entries: Mapping[str, Entry], path: str) -> tuple[object, ...] | None:
    """An entry as the plain tuple a ViewState keeps, or None."""
    entry = entries.get(path)
    return None if entry is None else tuple(entry)


def rehash_edits(
    root: Path,
    graph: Graph,
    inputs: Mapping[Label, tuple[str, ...]],
    hashes: Hashes,
    edited: Mapping[str, Entry],
    caches: Caches,
    index: bytes,
) -> Hashes:
    """The hashes after `edited` changed: their digests, and the stages that read them (a
    folder git vouched for last time has its other files' digests read from git's `index`;
    LookupError when one is not there)."""
    read = {p for files in inputs.values() for p in files_read(files, edited)}
    tree = Tree(entries={p: edited[p] for p in read}, packages=frozenset())
    digests: dict[str, FileDigest] = digest_files(root, tree, sorted(read), caches)
    return rehash_graph(graph, inputs, hashes, digests, index_folder_files(index))

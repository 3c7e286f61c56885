"""The memos of earlier analyses, as typed records of the state store: one for a walked tree
(keyed by every file's stat data), and one for a tree git described, kept in four records so
that each is rewritten only when what it holds moved."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Mapping

import attrs

from graphbuild.analysis.delta import ViewState
from graphbuild.core.labels import Label
from graphbuild.core.model import Workspace
from graphbuild.graph.link import Graph
from graphbuild.hashing.packed import TreeDigest
from graphbuild.hashing.stages import Hashes, StageRecord
from graphbuild.hashing.trees import group_by_folder
from graphbuild.state.store import Codec, Kind, Store
from graphbuild.tree.walk import Entry, Scan


@attrs.frozen
class Parts:
    """What an analysis found, without its root (a memo is valid wherever the tree is)."""

    workspace: Workspace
    graph: Graph
    inputs: Mapping[Label, tuple[str, ...]]
    hashes: Hashes


@attrs.frozen
class WalkKey:
    """Everything the analysis of a walked tree read: the SHA-256 of every file's path, size,
    mtime, ctime, inode, mode and link in the scan's order (BUILD.toml files included), and what
    the scan left out. A digest, not the entries: tagged JSON of 200,000 entries took 0.84 s and
    256 MB to write; the same tree listed in another order is only a miss."""

    entries_digest: bytes
    build_files: tuple[str, ...]
    nested: tuple[str, ...]
    problems: Mapping[str, str]


@attrs.frozen
class WalkSummary:
    """A cheap digest of a scan, checked before the memo itself is read: any edit moves an
    mtime, so a changed tree almost always fails here without loading anything large."""

    files: int
    total_size: int
    total_mtime: int
    total_ctime: int
    total_inode: int
    build_files: tuple[str, ...]
    nested: tuple[str, ...]


@attrs.frozen
class WalkMemo:
    """The analysis of a walked tree, and the scan it was made from."""

    key: WalkKey
    parts: Parts


@attrs.frozen
class GitShape:
    """The shape of a tree git described (workspace, graph, inputs), the stamp of the view it
    was found in, and the hashes found then; inputs are kept as NUL-joined strings (they load
    in a tenth of the time)."""

    stamp: bytes
    graph: Graph  # its workspace is the analysis's (kept once)
    packed_inputs: Mapping[Label, str]
    hashes: Hashes  # what a later memo of the same shape records the changes from

    @property
    def workspace(self) -> Workspace:
        """The workspace the graph was built from."""
        return self.graph.workspace

    @property
    def inputs(self) -> dict[Label, tuple[str, ...]]:
        """Label -> input paths."""
        return {k: tuple(v.split("\0")) if v else () for k, v in self.packed_inputs.items()}


@attrs.frozen
class GitMemo:
    """The last analysis of a tree git described: the view's stamp and state, the stamp of the
    shape it used, and the hashes."""

    stamp: bytes
    state: ViewState
    shape_stamp: bytes
    hashes: Hashes


@attrs.frozen
class StoredGitMemo:
    """A GitMemo as stored: its hashes as the stage records that differ from its shape's (after
    a few edits, tens of the 2,000 records: 4 MB rewritten by every plan before)."""

    stamp: bytes
    state: ViewState
    shape_stamp: bytes
    changed_stages: Mapping[Label, StageRecord]
    targets: Mapping[Label, str]


def code_bound(name: str, version: int, shape: type) -> Kind:
    """A memo kind: graphbuild's data classes, read back only by the same code."""
    return Kind(name, version, Codec.DATA, shape, code_bound=True)


WALK_SUMMARY = code_bound("analysis-walk-summary", 8, WalkSummary)
WALK_MEMO = code_bound("analysis-walk", 9, WalkMemo)  # 9: the entries' digest
GIT_MEMO = code_bound("analysis-git", 8, StoredGitMemo)  # 8: the changes alone
GIT_SHAPE = code_bound("analysis-git-shape", 9, GitShape)  # 9: with its hashes
# git's index listing of the last run, kept apart as it is: rewritten only when it moves
GIT_INDEX = Kind("analysis-git-index", 8, Codec.BYTES, bytes, code_bound=True)
GIT_INDEX_DIGEST = code_bound("analysis-git-index-digest", 7, bytes)
GIT_MEMO_KINDS = (GIT_MEMO, GIT_SHAPE, GIT_INDEX, GIT_INDEX_DIGEST)  # what save_git_memo writes
WALK_MEMO_KINDS = (WALK_MEMO, WALK_SUMMARY)  # what save_walk_memo writes


def walk_key(scan: Scan) -> WalkKey:
    """The key of a scan's memo."""
    digest = hashlib.sha256()
    entries = iter(scan.entries.items())
    while chunk := list(itertools.islice(entries, KEYED_AT_ONCE)):
        digest.update(packed_entries(chunk))
    return WalkKey(digest.digest(), scan.build_files, scan.nested, dict(scan.problems))


KEYED_AT_ONCE = 4096  # entries packed at a time: all 200,000 at once held 60 MB more


def packed_entries(entries: Iterable[tuple[str, Entry]]) -> bytes:
    """Each entry's path and fields, each ended by a NUL (no path holds a NUL; a link's
    target is told from a missing one by the mode)."""
    return "".join(
        f"{path}\0{size}\0{mtime}\0{ctime}\0{inode}\0{mode}\0{link or ''}\0{blob or ''}\0"
        for path, (size, mtime, ctime, inode, mode, link, blob) in entries
    ).encode("utf-8", "surrogateescape")


def walk_summary(scan: Scan) -> WalkSummary:
    """The summary of a scan."""
    entries = scan.entries.values()
    return WalkSummary(
        len(scan.entries),
        sum(e.size for e in entries),
        sum(e.mtime_ns for e in entries),
        sum(e.ctime_ns for e in entries),
        sum(e.inode for e in entries),
        scan.build_files,
        scan.nested,
    )


def load_walk_memo(store: Store, scan: Scan) -> Parts | None:
    """The memo of this very scan, if stored."""
    summary = store.get(WALK_SUMMARY)  # first: with none stored, the scan is not summed
    if summary is None or summary != walk_summary(scan):
        return None
    memo: WalkMemo | None = store.get(WALK_MEMO)
    return memo.parts if memo is not None and memo.key == walk_key(scan) else None


def save_walk_memo(store: Store, scan: Scan, parts: Parts) -> None:
    """Remember the analysis of this scan."""
    store.write(WALK_MEMO, WalkMemo(walk_key(scan), parts))
    store.write(WALK_SUMMARY, walk_summary(scan))


@attrs.frozen
class LoadedMemo:
    """The memo of the last analysis from git's view, and the shape it used."""

    memo: GitMemo
    shape: GitShape


def load_git_memo(store: Store) -> LoadedMemo | None:
    """The memo of the last analysis from git's view, with the shape it used."""
    stored: StoredGitMemo | None = store.get(GIT_MEMO)
    if stored is None:
        return None
    shape: GitShape | None = store.get(GIT_SHAPE)
    if shape is None or shape.stamp != stored.shape_stamp:
        return None
    hashes = Hashes({**shape.hashes.stages, **stored.changed_stages}, stored.targets)
    return LoadedMemo(GitMemo(stored.stamp, stored.state, stored.shape_stamp, hashes), shape)


def save_git_memo(store: Store, memo: GitMemo, shape: GitShape, new_shape: bool) -> None:
    """Write the memo, as its changes from `shape`'s hashes; the shape only when it is new; the
    index listing only when it moved."""
    if new_shape:
        store.write(GIT_SHAPE, shape)
    state = memo.state
    if state.index is not None:
        if store.get(GIT_INDEX_DIGEST) != state.index_digest:
            store.write(GIT_INDEX, state.index)
            store.write(GIT_INDEX_DIGEST, state.index_digest)
        state = attrs.evolve(state, index=None)
    base = shape.hashes.stages  # a new shape's are the memo's own: nothing to compare
    changed = {} if new_shape else {k: v for k, v in memo.hashes.stages.items() if base.get(k) != v}
    stored = StoredGitMemo(memo.stamp, state, memo.shape_stamp, changed, memo.hashes.targets)
    store.write(GIT_MEMO, stored)


def with_index(store: Store, state: ViewState) -> ViewState | None:
    """The memo's view with git's index listing read back, or None when it is lost."""
    listing: bytes | None = store.get(GIT_INDEX)
    if listing is None or hashlib.sha256(listing).digest() != state.index_digest:
        return None
    return attrs.evolve(state, index=listing)


def shape_inputs(inputs: Mapping[Label, tuple[str, ...]], hashes: Hashes) -> dict[Label, str]:
    """The inputs a shape keeps, packed: a folder git vouched for as its path ending in a
    slash, for its files (after a few edits they are what git's index lists below it: a file
    entering or leaving the index is a reshape); the shape of 500 images then holds a few
    thousand paths rather than 200,000."""
    packed: dict[Label, str] = {}
    for label, paths in inputs.items():
        record = hashes.stages[label]
        vouched = [
            key.rstrip("/")
            for key, digest in record.inputs.items()
            if isinstance(digest, TreeDigest) and key not in record.contents
        ]
        if vouched:
            _, rest = group_by_folder(paths, vouched)
            paths = tuple(sorted([*rest, *(folder + "/" for folder in vouched)]))
        packed[label] = "\0".join(paths)
    return packed

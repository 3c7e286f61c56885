"""The whole analysis of a workspace folder: load → graph → inputs → digests → hashes, taken
from the memo when the tree has not moved, by rehashing the edits when only a few files did,
else in full."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from pathlib import Path

import attrs

from graphbuild.analysis.delta import (
    Delta,
    Edits,
    Reshape,
    Reshaped,
    Unchanged,
    ViewState,
    edited_paths,
    rehash_edits,
    view_state,
)
from graphbuild.analysis.load import build_graph, load_scanned
from graphbuild.analysis.memo import (
    GIT_MEMO_KINDS,
    WALK_MEMO_KINDS,
    GitMemo,
    GitShape,
    LoadedMemo,
    Parts,
    load_walk_memo,
    save_git_memo,
    save_walk_memo,
    shape_inputs,
    with_index,
)
from graphbuild.analysis.start import Begun, begin, no_cycle_collection, settled, start_git_view
from graphbuild.core.labels import Label
from graphbuild.core.model import Workspace
from graphbuild.definition.layout import BUILD_FILE
from graphbuild.definition.load import RootFile, scan_exclusions
from graphbuild.graph.link import Graph
from graphbuild.hashing.file_digests import Caches, digest_files, start_hashing
from graphbuild.hashing.reading import Hashing
from graphbuild.hashing.stages import Hashes, hash_graph
from graphbuild.hashing.trees import files_to_digest, folder_inputs, vouched_folders
from graphbuild.state.digests import load_caches_for, load_digest_caches, save_digest_caches
from graphbuild.state.store import STATE_DIR, Store, open_store
from graphbuild.tree.git_objects import TreesAhead
from graphbuild.tree.git_start import GitRun
from graphbuild.tree.git_view import GitView
from graphbuild.tree.inputs import git_dir_inputs, resolve_inputs
from graphbuild.tree.walk import Entry, Scan, Tree, make_tree, scan_workspace, with_git_files

CACHE_DIR = STATE_DIR


class Source(enum.Enum):
    """Where an analysis came from."""

    MEMO = "the memo of an unchanged tree"
    FEW_EDITS = "the memo, with the edited files rehashed"
    FULL = "a full analysis"


@attrs.frozen
class Analysis:
    """Everything known about a workspace before anything is built."""

    root: Path
    workspace: Workspace
    graph: Graph
    inputs: Mapping[Label, tuple[str, ...]]
    hashes: Hashes
    source: Source = attrs.field(default=Source.FULL, eq=False)
    why: str = attrs.field(default="", eq=False)  # why a full analysis ran
    # git's index listing of the tree, when git described it (a plan reads folders from it)
    index: bytes | None = attrs.field(default=None, eq=False, repr=False)
    # the tracked files that may differ from the index or HEAD (git's view: see GitView)
    tracked_changes: frozenset[str] = attrs.field(default=frozenset(), eq=False, repr=False)

    @property
    def memorable(self) -> bool:
        """False when an input lies inside `.git`: no memo watches those files (git moves them
        with every checkout), so such an analysis is never kept; it runs in full each time."""
        return not git_dir_inputs(self.graph)  # only these bring .git files into the tree

    @classmethod
    def of(cls, root: Path, parts: Parts, source: Source, why: str = "") -> Analysis:
        """An analysis from its parts."""
        return cls(root, parts.workspace, parts.graph, parts.inputs, parts.hashes, source, why)

    @property
    def parts(self) -> Parts:
        """What a memo keeps of it."""
        return Parts(self.workspace, self.graph, self.inputs, self.hashes)

    def describe(self) -> str:
        """One line for `plan -v`: where the analysis came from, and why."""
        return f"analysis: {self.source.value}" + (f" ({self.why})" if self.why else "")


def analyze(
    root: Path,
    use_cache: bool = True,
    use_git: bool = True,
    store: Store | None = None,
    git: GitRun | None = None,
) -> Analysis:
    """Load, link, check and hash the workspace at `root`: reuse the memo of an unchanged tree;
    take files git reports clean from its index unless told not to (`git`: the view's commands,
    when the caller started them). Without a store, the workspace's own is opened (and its lock
    held) for the call, or none when not caching."""
    if store is None:
        with open_store(root, enabled=use_cache) as opened:
            return analyze(root, use_cache, use_git, opened, git)
    with no_cycle_collection():
        return complete(begin(root, store, git or start_git_view(root, use_git)))


def complete(begun: Begun) -> Analysis:
    """The analysis a begun one leads to (the collector paused by the caller)."""
    root, store, root_file, view = begun.root, begun.store, begun.root_file, begun.view
    if view is not None:
        return analyze_view(root, root_file, view, store, begun.memo())
    # with nothing stored, every file in a package is read: as the walk finds them
    entries: dict[str, Entry] = {}
    reading = Hashing.streamed(root, entries) if store.is_empty() else None
    try:
        found = reading.add if reading is not None else None
        scan = scan_workspace(root, scan_exclusions(root_file), found, entries)
        return analyze_scan(root, root_file, scan, store, reading)
    finally:
        if reading is not None:
            reading.close()


def analyze_scan(
    root: Path, root_file: RootFile, scan: Scan, store: Store, reading: Hashing | None = None
) -> Analysis:
    """The analysis of a walked tree, from the memo when every file's stat data is the same
    (`reading`: the files the walk had read)."""
    parts = load_walk_memo(store, scan)
    if parts is not None:
        return Analysis.of(root, parts, Source.MEMO)
    why = "no memo of this tree (walked)"
    analysis = analyze_tree(root, root_file, scan, store, why, reading=reading)
    if settled(scan.entries.values()) and analysis.memorable:
        parts = analysis.parts  # megabytes: written while the caller goes on
        store.write_behind(WALK_MEMO_KINDS, lambda: save_walk_memo(store, scan, parts))
    return analysis


def analyze_view(
    root: Path,
    root_file: RootFile,
    view: GitView,
    store: Store,
    memo: LoadedMemo | None,
) -> Analysis:
    """The analysis of a tree git describes: from the memo when git's view is the same, by
    rehashing only what was edited when the shape is the same, else in full."""
    delta = view_delta(store, memo, view)
    if memo is not None and isinstance(delta, Unchanged):
        last, shape = memo.memo, memo.shape
        return Analysis(
            root, shape.workspace, shape.graph, shape.inputs, last.hashes, Source.MEMO,
            index=view.index, tracked_changes=view.tracked_changes,
        )  # fmt: skip
    inputs = memo.shape.inputs if memo is not None and isinstance(delta, Edits) else {}
    hashes = rehashed(root, store, memo, delta, view, inputs)
    if memo is not None and hashes is not None:
        shape = memo.shape
        analysis = Analysis(
            root, shape.workspace, shape.graph, inputs, hashes, Source.FEW_EDITS,
            index=view.index, tracked_changes=view.tracked_changes,
        )  # fmt: skip
        new_shape = None
    else:
        why = delta.reason.value if isinstance(delta, Reshaped) else "no memo from this code"
        if isinstance(delta, Edits):
            why = "a folder's files are not all in git's index"
        analysis = analyze_tree(root, root_file, view.scan(), store, why, view)
        analysis = attrs.evolve(analysis, index=view.index, tracked_changes=view.tracked_changes)
        packed = shape_inputs(analysis.inputs, analysis.hashes)
        new_shape = GitShape(view.stamp, analysis.graph, packed, analysis.hashes)
    state = view_state(view)
    if settled(view.changed.entries.values()) and analysis.memorable:
        used = new_shape or (memo.shape if memo is not None else None)
        assert used is not None  # rehashed edits came from a memo's shape
        last = GitMemo(view.stamp, state, used.stamp, analysis.hashes)
        if new_shape is None:  # the changes from a shape: a few records
            save_git_memo(store, last, used, False)
        else:  # a new shape is megabytes: written while the caller goes on
            store.write_behind(GIT_MEMO_KINDS, lambda: save_git_memo(store, last, used, True))
    return analysis


def rehashed(
    root: Path,
    store: Store,
    memo: LoadedMemo | None,
    delta: Delta | None,
    view: GitView,
    inputs: Mapping[Label, tuple[str, ...]],
) -> Hashes | None:
    """The memo's hashes with the edits in, when the delta is a few edits (`inputs`: the
    memo's, unpacked once); None otherwise, or when a folder git vouched for last time has
    files git's index no longer lists."""
    if memo is None or not isinstance(delta, Edits):
        return None
    caches = load_caches_for(store, delta.files)
    last, shape = memo.memo, memo.shape
    try:
        hashes = rehash_edits(
            root, shape.graph, inputs, last.hashes, delta.files, caches, view.index
        )
    except LookupError:
        return None
    save_digest_caches(store, caches, delta.files)
    return hashes


def view_delta(store: Store, memo: LoadedMemo | None, view: GitView) -> Delta | None:
    """What moved since the memo's view; None without a memo."""
    if memo is None:
        return None
    if memo.memo.stamp == view.stamp:
        return Unchanged()
    old_view: ViewState | None = memo.memo.state
    if old_view is not None and old_view.index_digest != view.index_digest:
        old_view = with_index(store, old_view)
    if old_view is None:
        return Reshaped(Reshape.INDEX_LOST)
    return edited_paths(old_view, view)


def ask_trees(graph: Graph, view: GitView | None, root: Path) -> TreesAhead | None:
    """Ask git, on a thread, for HEAD's tree id of every folder a stage names whole (none
    without git); those it vouches for are picked once the inputs are matched."""
    if view is None:
        return None
    folders = [f for s in graph.stages.values() for f in folder_inputs(s.package, s.inputs)]
    if not folders:
        return None
    return TreesAhead(view.repository or root, view.prefix, folders, view.commit)


def git_trees(
    graph: Graph,
    inputs: Mapping[Label, tuple[str, ...]],
    tree: Tree,
    scan: Scan,
    view: GitView | None,
    asked: TreesAhead | None,
) -> dict[str, str]:
    """folder -> tree id, from git, for the folder inputs git vouches for (none without git)."""
    if view is None or asked is None:
        return {}
    return asked.result(vouched_folders(graph.stages, inputs, tree, scan, view.tracked_changes))


def analyze_tree(
    root: Path,
    root_file: RootFile,
    scan: Scan,
    store: Store,
    why: str,
    view: GitView | None = None,
    reading: Hashing | None = None,
) -> Analysis:
    """The full analysis: load every BUILD.toml, link, resolve inputs, digest, hash. The files
    of the packages below the root are hashed in the background meanwhile (they are almost
    all inputs; the rest, root files included, are hashed once the inputs are known), unless
    the walk had them read (`reading`)."""
    caches: Caches = load_digest_caches(store, scan.entries)
    ahead = reading or start_hashing(root, make_tree(scan, ()), likely_inputs(scan), caches)
    try:
        workspace, tree = load_scanned(root, root_file, scan)
        graph = build_graph(workspace)
        asked = ask_trees(graph, view, root)
        tree = with_git_files(root, tree, git_dir_inputs(graph))
        inputs = resolve_inputs(graph, tree)
        trees = git_trees(graph, inputs, tree, scan, view, asked)
        files = files_to_digest(graph, inputs, trees)
        digests = digest_files(root, tree, files, caches, started=ahead)
    finally:
        ahead.close()
        ahead.done = None  # 200,000 results: free them before hashing
    hashes = hash_graph(graph, inputs, digests, trees)
    del digests  # 200,000 digests: freed before the cache is packed (a cold plan's peak)
    save_digest_caches(store, caches, tree.entries)
    return Analysis(root, workspace, graph, inputs, hashes, Source.FULL, why)


def likely_inputs(scan: Scan) -> list[str]:
    """The files in packages below the workspace root that must be read for their digest: git
    vouches for none of them (on a fresh clone, usually none at all), BUILD.toml files left
    out."""
    packages = {f.rpartition("/")[0] for f in scan.build_files if f != BUILD_FILE}
    inside: dict[str, bool] = {"": False}

    def in_package(folder: str) -> bool:  # a loop, not recursion: a tree may be 1,000s deep
        chain = []
        while folder not in inside:
            chain.append(folder)
            folder = folder.rpartition("/")[0]
        known = inside[folder]
        for below in reversed(chain):
            known = inside[below] = known or below in packages
        return known

    return [
        path
        for path, entry in scan.entries.items()
        if entry.blob is None  # not vouched for by git
        and not path.endswith(BUILD_FILE)
        and in_package(path.rpartition("/")[0])
    ]

"""The whole analysis of a workspace folder: load → graph → inputs → digests → hashes, with a
memo of the result for a tree that has not changed since (what a warm `plan` sees)."""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

import graphbuild
from graphbuild.analysis.delta import ViewState, edited_paths, rehash_edits, view_state
from graphbuild.analysis.load import build_graph, load_scanned
from graphbuild.core.labels import Label
from graphbuild.core.model import SCHEMA_VERSION, Workspace
from graphbuild.definition.layout import BUILD_FILE
from graphbuild.definition.load import RootFile, read_root, scan_exclusions
from graphbuild.graph.link import Graph
from graphbuild.hashing.file_digests import RACY_NS, digest_files, load_caches, start_hashing
from graphbuild.hashing.stages import Hashes, hash_graph
from graphbuild.state.store import read_sealed, write_sealed
from graphbuild.tree.git_view import GitView, finish_git, start_git
from graphbuild.tree.inputs import all_input_files, resolve_inputs
from graphbuild.tree.walk import Scan, make_tree, scan_workspace

CACHE_DIR = ".graphbuild"
MEMO_FILE = "analysis.v6.pickle"
SUMMARY_FILE = "analysis.v6.summary"
GIT_MEMO_FILE = "analysis.v6.git.pickle"
SHAPE_FILE = "analysis.v6.shape.pickle"
INDEX_FILE = "analysis.v6.index.pickle"
INDEX_DIGEST_FILE = "analysis.v6.index.digest"
MEMO_MAGIC = "graphbuild-analysis-6"


@attrs.frozen
class Analysis:
    """Everything known about a workspace before anything is built."""

    root: Path
    workspace: Workspace
    graph: Graph
    inputs: dict[Label, tuple[str, ...]]
    hashes: Hashes


@functools.cache
def code_fingerprint() -> tuple[object, ...]:
    """graphbuild's own version and the SHA-256 of its source files: a memo made by other code
    is never trusted, even at the same version number, and one made by the same code is,
    wherever it was installed (so a CI cache of `.graphbuild/` stays useful)."""
    package = Path(graphbuild.__file__).parent
    sources = hashlib.sha256()
    for file in sorted(package.rglob("*.py")):
        sources.update(f"{file.relative_to(package).as_posix()}\0".encode())
        sources.update(hashlib.sha256(file.read_bytes()).digest())
    return (graphbuild.__version__, SCHEMA_VERSION, sources.hexdigest())


def memo_key(scan: Scan) -> tuple[object, ...]:
    """Everything the analysis reads: every file's path, size, mtime, inode, mode and link
    (BUILD.toml files included), what the scan left out, and graphbuild itself. Stored whole
    and compared with ==, which is far cheaper than hashing 200,000 entries."""
    entries = {path: tuple(entry) for path, entry in scan.entries.items()}  # plain: fast pickle
    return (code_fingerprint(), entries, scan.build_files, scan.nested, dict(scan.problems))


def memo_summary(scan: Scan) -> tuple[object, ...]:
    """A cheap digest of the scan, checked before the memo itself is read: any edit moves an
    mtime, so a changed tree almost always fails here without loading anything large."""
    entries = scan.entries.values()
    return (
        code_fingerprint(),
        len(scan.entries),
        sum(e[0] for e in entries),
        sum(e[1] for e in entries),
        sum(e[2] for e in entries),
        scan.build_files,
        scan.nested,
    )


def settled(entries: Iterable[tuple[object, ...]]) -> bool:
    """False when a file changed so recently that it may change again within one mtime tick
    (files git vouched for carry mtime 0: git keeps its own watch on them)."""
    cutoff = time.time_ns() - RACY_NS
    return all(entry[1] < cutoff for entry in entries)  # type: ignore[operator]


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector: an analysis allocates millions of objects, nearly
    none in cycles, and each full collection walks all of them (20% of a cold plan)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def analyze(root: Path, use_cache: bool = True, use_git: bool = True) -> Analysis:
    """Load, link, check and hash the workspace at `root`: reuse the memo of an unchanged tree;
    take files git reports clean from its index unless told not to."""
    with no_cycle_collection():
        return analyze_collected(root, use_cache, use_git)


def analyze_collected(root: Path, use_cache: bool, use_git: bool) -> Analysis:
    """analyze, with the collector paused."""
    run = start_git(root) if use_git else None  # git works while the memo is read
    try:
        root_file = read_root(root)
        cache_dir = root / CACHE_DIR if use_cache else None
        memo = load_git_memo(cache_dir) if run is not None and cache_dir is not None else None
        view = finish_git(root, run, scan_exclusions(root_file))
    except BaseException:
        for process in run or ():
            process.kill()
        raise
    if view is not None:
        return analyze_view(root, root_file, view, cache_dir, memo)
    return analyze_scan(
        root, root_file, scan_workspace(root, scan_exclusions(root_file)), cache_dir
    )


def analyze_scan(root: Path, root_file: RootFile, scan: Scan, cache_dir: Path | None) -> Analysis:
    """The analysis of a walked tree, from the memo when every file's stat data is the same."""
    if cache_dir is not None and read_sealed(cache_dir / SUMMARY_FILE, MEMO_MAGIC) == (
        "walk",
        memo_summary(scan),
    ):
        memo = read_sealed(cache_dir / MEMO_FILE, MEMO_MAGIC)
        if isinstance(memo, tuple) and len(memo) == 2 and memo[0] == memo_key(scan):
            return Analysis(root, *memo[1])
    analysis = analyze_tree(root, root_file, scan, cache_dir)
    if cache_dir is not None and settled(scan.entries.values()):
        parts = (analysis.workspace, analysis.graph, analysis.inputs, analysis.hashes)
        write_sealed(cache_dir / MEMO_FILE, MEMO_MAGIC, (memo_key(scan), parts))
        write_sealed(cache_dir / SUMMARY_FILE, MEMO_MAGIC, ("walk", memo_summary(scan)))
    return analysis


@attrs.frozen
class GitMemo:
    """The last analysis of a tree git described, in two files: its shape (workspace, graph,
    inputs), rewritten only when that changes, and its hashes with git's view."""

    key: tuple[object, ...]  # code fingerprint, view stamp
    state: ViewState
    shape_id: bytes  # the stamp of the view the shape was found in
    shape: tuple[Workspace, Graph, dict[Label, tuple[str, ...]]]
    hashes: Hashes


def load_git_memo(cache_dir: Path) -> GitMemo | None:
    """The memo of the last analysis from git's view, when it was made by this code."""
    top = read_sealed(cache_dir / GIT_MEMO_FILE, MEMO_MAGIC)
    if not (isinstance(top, tuple) and len(top) == 4 and top[0][0] == code_fingerprint()):
        return None
    shape = read_sealed(cache_dir / SHAPE_FILE, MEMO_MAGIC)
    if not (isinstance(shape, tuple) and len(shape) == 2 and shape[0] == top[2]):
        return None
    workspace, graph, packed = shape[1]
    inputs = {label: tuple(paths.split("\0")) if paths else () for label, paths in packed.items()}
    return GitMemo(top[0], top[1], top[2], (workspace, graph, inputs), top[3])


def save_git_memo(cache_dir: Path, memo: GitMemo, shape_changed: bool) -> None:
    """Write the memo; its shape file only when the shape changed."""
    if shape_changed:
        workspace, graph, inputs = memo.shape
        packed = {label: "\0".join(paths) for label, paths in inputs.items()}  # loads in 1/10
        write_sealed(
            cache_dir / SHAPE_FILE, MEMO_MAGIC, (memo.shape_id, (workspace, graph, packed))
        )
    state = memo.state
    if state.index is not None:  # kept apart: rewritten only when git's index moved
        if read_sealed(cache_dir / INDEX_DIGEST_FILE, MEMO_MAGIC) != state.index_digest:
            write_sealed(cache_dir / INDEX_FILE, MEMO_MAGIC, (state.index_digest, state.index))
            write_sealed(cache_dir / INDEX_DIGEST_FILE, MEMO_MAGIC, state.index_digest)
        state = attrs.evolve(state, index=None)
    top = (memo.key, state, memo.shape_id, memo.hashes)
    write_sealed(cache_dir / GIT_MEMO_FILE, MEMO_MAGIC, top)


def with_index(cache_dir: Path | None, state: ViewState) -> ViewState | None:
    """The memo's view with git's index listing read back, or None when it is lost."""
    stored = read_sealed(cache_dir / INDEX_FILE, MEMO_MAGIC) if cache_dir else None
    if not (isinstance(stored, tuple) and len(stored) == 2 and stored[0] == state.index_digest):
        return None
    return attrs.evolve(state, index=stored[1])


def analyze_view(
    root: Path, root_file: RootFile, view: GitView, cache_dir: Path | None, memo: GitMemo | None
) -> Analysis:
    """The analysis of a tree git describes: from the memo when git's view is the same, by
    rehashing only what was edited when git's index is the same, else in full."""
    key = (code_fingerprint(), view.stamp)
    if memo is not None and memo.key == key:
        return Analysis(root, *memo.shape, memo.hashes)
    old_view = memo.state if memo is not None else None
    if old_view is not None and old_view.index_digest != view.index_digest:
        old_view = with_index(cache_dir, old_view)
    edited = edited_paths(old_view, view) if old_view is not None else None
    if memo is not None and edited is not None:
        workspace, graph, inputs = memo.shape
        hashes = rehash_edits(root, graph, inputs, memo.hashes, edited, cache_dir)
        analysis = Analysis(root, workspace, graph, inputs, hashes)
        shape_id = memo.shape_id
    else:
        analysis = analyze_tree(root, root_file, view.scan(), cache_dir)
        shape_id = view.stamp
    state = view_state(view)
    if cache_dir is not None and settled(state.entries.values()):
        shape = (analysis.workspace, analysis.graph, analysis.inputs)
        new = GitMemo(key, state, shape_id, shape, analysis.hashes)
        save_git_memo(cache_dir, new, shape_id != memo.shape_id if memo else True)
    return analysis


def analyze_tree(root: Path, root_file: RootFile, scan: Scan, cache_dir: Path | None) -> Analysis:
    """The full analysis: load every BUILD.toml, link, resolve inputs, digest, hash. The files
    of the packages below the root are hashed in the background meanwhile (they are almost
    all inputs; the rest, root files included, are hashed once the inputs are known)."""
    caches = load_caches(cache_dir, scan.entries)
    ahead = start_hashing(root, make_tree(scan, ()), likely_inputs(scan), caches)
    try:
        workspace, tree = load_scanned(root, root_file, scan)
        graph = build_graph(workspace)
        inputs = resolve_inputs(graph, tree)
        files = all_input_files(inputs)
        digests = digest_files(root, tree, files, cache_dir, caches=caches, started=ahead)
    finally:
        ahead.close()
        ahead.done = None  # 200,000 results: free them before hashing
    return Analysis(root, workspace, graph, inputs, hash_graph(graph, inputs, digests))


def likely_inputs(scan: Scan) -> list[str]:
    """The files in packages below the workspace root, BUILD.toml files left out."""
    packages = {f.rpartition("/")[0] for f in scan.build_files if f != BUILD_FILE}
    inside: dict[str, bool] = {"": False}

    def in_package(folder: str) -> bool:
        known = inside.get(folder)
        if known is None:
            known = inside[folder] = folder in packages or in_package(folder.rpartition("/")[0])
        return known

    return [
        path
        for path in scan.entries
        if not path.endswith(BUILD_FILE) and in_package(path.rpartition("/")[0])
    ]

"""The whole analysis of a workspace folder: load → graph → inputs → digests → hashes, with a
memo of the result for a tree that has not changed since (what a warm `plan` sees)."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import attrs

import graphbuild
from graphbuild.cache import read_sealed, write_sealed
from graphbuild.digests import RACY_NS, digest_files
from graphbuild.files import Scan, Tree, make_tree
from graphbuild.graph import Graph, build_graph
from graphbuild.hashing import Hashes, hash_graph
from graphbuild.inputs import all_input_files, resolve_inputs
from graphbuild.labels import Label
from graphbuild.load import load_scanned, read_root, scan_root
from graphbuild.model import SCHEMA_VERSION, Workspace

CACHE_DIR = ".graphbuild"
MEMO_FILE = "analysis.v3.pickle"
SUMMARY_FILE = "analysis.v3.summary"
MEMO_MAGIC = "graphbuild-analysis-3"


@attrs.frozen
class Analysis:
    """Everything known about a workspace before anything is built."""

    root: Path
    workspace: Workspace
    graph: Graph
    tree: Tree
    inputs: dict[Label, tuple[str, ...]]
    hashes: Hashes


@functools.cache
def code_fingerprint() -> tuple[object, ...]:
    """graphbuild's own version and source files (size, mtime): a memo made by other code is
    never trusted, even at the same version number."""
    package = Path(graphbuild.__file__).parent
    files = sorted(package.rglob("*.py"))
    stats = [(str(f.relative_to(package)), f.stat().st_size, f.stat().st_mtime_ns) for f in files]
    return (graphbuild.__version__, SCHEMA_VERSION, tuple(stats))


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


def settled(scan: Scan) -> bool:
    """False when a file changed so recently that it may change again within one mtime tick."""
    cutoff = time.time_ns() - RACY_NS
    return all(entry[1] < cutoff for entry in scan.entries.values())


def analyze(root: Path, use_cache: bool = True) -> Analysis:
    """Load, link, check and hash the workspace at `root` (reusing the memo of an unchanged
    tree)."""
    root_file = read_root(root)
    scan = scan_root(root, root_file)
    cache_dir = root / CACHE_DIR if use_cache else None
    summary = memo_summary(scan) if cache_dir is not None else None
    if cache_dir is not None and read_sealed(cache_dir / SUMMARY_FILE, MEMO_MAGIC) == summary:
        memo = read_sealed(cache_dir / MEMO_FILE, MEMO_MAGIC)
        if isinstance(memo, tuple) and len(memo) == 2 and memo[0] == memo_key(scan):
            workspace, graph, inputs, hashes = memo[1]
            tree = make_tree(scan, (p.path for p in workspace.packages))
            return Analysis(root, workspace, graph, tree, inputs, hashes)
    workspace, tree = load_scanned(root, root_file, scan)
    graph = build_graph(workspace)
    inputs = resolve_inputs(graph, tree)
    digests = digest_files(root, tree, all_input_files(inputs), cache_dir)
    hashes = hash_graph(graph, inputs, digests)
    if cache_dir is not None and settled(scan):
        memo = (memo_key(scan), (workspace, graph, inputs, hashes))
        write_sealed(cache_dir / MEMO_FILE, MEMO_MAGIC, memo)
        write_sealed(cache_dir / SUMMARY_FILE, MEMO_MAGIC, summary)
    return Analysis(root, workspace, graph, tree, inputs, hashes)

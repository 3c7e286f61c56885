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
from graphbuild.files import Scan, scan_workspace
from graphbuild.gitscan import git_view
from graphbuild.graph import Graph, build_graph
from graphbuild.hashing import Hashes, hash_graph
from graphbuild.inputs import all_input_files, resolve_inputs
from graphbuild.labels import Label
from graphbuild.load import load_scanned, read_root, scan_exclusions
from graphbuild.model import SCHEMA_VERSION, Workspace

CACHE_DIR = ".graphbuild"
MEMO_FILE = "analysis.v4.pickle"
SUMMARY_FILE = "analysis.v4.summary"
MEMO_MAGIC = "graphbuild-analysis-4"


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
    """False when a file changed so recently that it may change again within one mtime tick
    (files git vouched for carry mtime 0: git keeps its own watch on them)."""
    cutoff = time.time_ns() - RACY_NS
    return all(entry[1] < cutoff for entry in scan.entries.values())


def analyze(root: Path, use_cache: bool = True, use_git: bool = True) -> Analysis:
    """Load, link, check and hash the workspace at `root`: reuse the memo of an unchanged tree;
    take files git reports clean from its index unless told not to."""
    root_file = read_root(root)
    exclude = scan_exclusions(root_file)
    cache_dir = root / CACHE_DIR if use_cache else None
    view = git_view(root, exclude) if use_git else None
    scan = None if view is not None else scan_workspace(root, exclude)
    if cache_dir is not None:
        if view is not None:
            summary = key = (code_fingerprint(), view.stamp)
        else:
            summary, key = memo_summary(scan), None  # type: ignore[arg-type]
        if read_sealed(cache_dir / SUMMARY_FILE, MEMO_MAGIC) == summary:
            memo = read_sealed(cache_dir / MEMO_FILE, MEMO_MAGIC)
            expected = key if key is not None else memo_key(scan)  # type: ignore[arg-type]
            if isinstance(memo, tuple) and len(memo) == 2 and memo[0] == expected:
                workspace, graph, inputs, hashes = memo[1]
                return Analysis(root, workspace, graph, inputs, hashes)
    if scan is None:
        scan = view.scan()  # type: ignore[union-attr]
    workspace, tree = load_scanned(root, root_file, scan)
    graph = build_graph(workspace)
    inputs = resolve_inputs(graph, tree)
    digests = digest_files(root, tree, all_input_files(inputs), cache_dir)
    hashes = hash_graph(graph, inputs, digests)
    if cache_dir is not None and settled(scan):
        key = (code_fingerprint(), view.stamp) if view is not None else memo_key(scan)
        summary = key if view is not None else memo_summary(scan)
        write_sealed(cache_dir / MEMO_FILE, MEMO_MAGIC, (key, (workspace, graph, inputs, hashes)))
        write_sealed(cache_dir / SUMMARY_FILE, MEMO_MAGIC, summary)
    return Analysis(root, workspace, graph, inputs, hashes)

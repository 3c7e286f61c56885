"""The whole analysis of a workspace folder: load → graph → inputs → digests → hashes."""

from __future__ import annotations

from pathlib import Path

import attrs

from graphbuild.digests import digest_files
from graphbuild.files import Tree
from graphbuild.graph import Graph, build_graph
from graphbuild.hashing import Hashes, hash_graph
from graphbuild.inputs import all_input_files, resolve_inputs
from graphbuild.labels import Label
from graphbuild.load import scan_and_load
from graphbuild.model import Workspace

CACHE_DIR = ".graphbuild"


@attrs.frozen
class Analysis:
    """Everything known about a workspace before anything is built."""

    root: Path
    workspace: Workspace
    graph: Graph
    tree: Tree
    inputs: dict[Label, tuple[str, ...]]
    hashes: Hashes


def analyze(root: Path, use_cache: bool = True) -> Analysis:
    """Load, link, check and hash the workspace at `root`."""
    workspace, tree = scan_and_load(root)
    graph = build_graph(workspace)
    inputs = resolve_inputs(graph, tree)
    cache_dir = root / CACHE_DIR if use_cache else None
    digests = digest_files(root, tree, all_input_files(inputs), cache_dir)
    return Analysis(root, workspace, graph, tree, inputs, hash_graph(graph, inputs, digests))

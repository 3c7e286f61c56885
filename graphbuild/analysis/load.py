"""The definition phases joined: a workspace's BUILD.toml files loaded with the installed
rules, and every target expanded by its rule and linked into the graph."""

from __future__ import annotations

from pathlib import Path

from graphbuild.core.model import Workspace
from graphbuild.definition.load import RootFile, load_packages, read_root, scan_exclusions
from graphbuild.definition.sources import DiskFiles
from graphbuild.graph.link import Graph, link
from graphbuild.tree.walk import Scan, Tree, make_tree, scan_workspace


def load_scanned(root: Path, root_file: RootFile, scan: Scan) -> tuple[Workspace, Tree]:
    """Every package of a scanned workspace, loaded, and the tree of its files."""
    from graphbuild.rules.registry import installed_rules  # a memo hit needs no rule

    workspace = load_packages(
        DiskFiles(root), root_file, scan.build_files, scan.nested, installed_rules(), scan.entries
    )
    return workspace, make_tree(scan, (p.path for p in workspace.packages))


def load_workspace(root: Path) -> Workspace:
    """Read every BUILD.toml below `root` into a Workspace (one walk finds them)."""
    root_file = read_root(root)
    return load_scanned(root, root_file, scan_workspace(root, scan_exclusions(root_file)))[0]


def build_graph(workspace: Workspace) -> Graph:
    """Expand every target with its rule and link the stages into a checked DAG."""
    from graphbuild.rules.registry import expand_all

    return link(workspace, expand_all(workspace))

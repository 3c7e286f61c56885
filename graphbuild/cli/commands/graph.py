"""`graphbuild graph`: the stage DAG as dot, mermaid or JSON."""

from __future__ import annotations

import argparse

from graphbuild.cli.commands import Invocation, Needs
from graphbuild.graph.kinds import DiagramFormat

NAME = "graph"
HELP = "draw the stage DAG (dot, mermaid, json)"
NEEDS = Needs.WORKSPACE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Its arguments."""
    parser.add_argument(
        "--format", choices=[f.value for f in DiagramFormat], default="dot", help="how to draw it"
    )
    parser.add_argument("--plan", action="store_true", help="highlight what rebuilds vs the lock")


def run(args: argparse.Namespace, at: Invocation) -> int:
    """Run it."""
    from graphbuild.cli.tool_commands import run_graph

    assert at.root is not None
    return run_graph(args, at.root)

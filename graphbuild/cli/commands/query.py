"""`graphbuild query`: dependencies, reverse dependencies, a path."""

from __future__ import annotations

import argparse

from graphbuild.cli.commands import Invocation, Needs
from graphbuild.core.printable import ReportFormat
from graphbuild.graph.kinds import QueryKind

NAME = "query"
HELP = "dependencies, reverse dependencies, a path"
NEEDS = Needs.WORKSPACE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Its arguments."""
    parser.add_argument(
        "kind", choices=[k.value for k in QueryKind], help="what to ask (path takes two labels)"
    )
    parser.add_argument("labels", nargs="+", metavar="LABEL", help="the labels asked about")
    parser.add_argument(
        "--format", choices=[f.value for f in ReportFormat], default="text", help="how to print"
    )


def run(args: argparse.Namespace, at: Invocation) -> int:
    """Run it."""
    from graphbuild.cli.tool_commands import run_query

    assert at.root is not None
    return run_query(args, at.root)

"""`graphbuild query`: dependencies, reverse dependencies, a path."""

from __future__ import annotations

import argparse

from graphbuild.cli.commands import Invocation, Needs

NAME = "query"
HELP = "dependencies, reverse dependencies, a path"
NEEDS = Needs.WORKSPACE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Its arguments."""
    parser.add_argument("kind", choices=("deps", "rdeps", "path"))
    parser.add_argument("labels", nargs="+", metavar="LABEL")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace, at: Invocation) -> int:
    """Run it."""
    from graphbuild.cli.tool_commands import run_query

    assert at.root is not None
    return run_query(args, at.root)

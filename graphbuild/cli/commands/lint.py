"""`graphbuild lint`: check the stages against good practice."""

from __future__ import annotations

import argparse

from graphbuild.cli.commands import Invocation, Needs
from graphbuild.core.printable import ReportFormat

NAME = "lint"
HELP = "check the stages against good practice"
NEEDS = Needs.WORKSPACE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Its arguments."""
    parser.add_argument(
        "--format", choices=[f.value for f in ReportFormat], default="text", help="how to print"
    )


def run(args: argparse.Namespace, at: Invocation) -> int:
    """Run it."""
    from graphbuild.cli.tool_commands import run_lint

    assert at.root is not None
    return run_lint(args, at.root)

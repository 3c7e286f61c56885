"""`graphbuild plan`: what rebuilds and why."""

from __future__ import annotations

import argparse

from graphbuild.cli.commands import Invocation, Needs
from graphbuild.plan.format_kinds import PlanFormat

NAME = "plan"
HELP = "show what rebuilds and why"
NEEDS = Needs.STORE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Its arguments."""
    parser.add_argument("--since", metavar="REF", help="compare with the lock as committed at REF")
    parser.add_argument(
        "--format", choices=[f.value for f in PlanFormat], default="text", help="how to print it"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when anything would rebuild")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="say on stderr where the analysis came from (memo, few edits or full, and why)",
    )
    parser.add_argument(
        "--registry", action="store_true", help="images whose hash tag is pushed are unchanged"
    )


def run(args: argparse.Namespace, at: Invocation) -> int:
    """Run it."""
    from graphbuild.cli.plan_commands import run_plan

    assert at.root is not None and at.store is not None
    return run_plan(args, at.root, at.store)

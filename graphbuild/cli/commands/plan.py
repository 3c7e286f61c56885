"""`graphbuild plan`: what rebuilds and why."""

from __future__ import annotations

import argparse
import sys

from graphbuild.cli.commands import Invocation, Needs
from graphbuild.plan.format_kinds import PlanFormat

NAME = "plan"
HELP = "show what rebuilds and why"
NEEDS = Needs.ANALYSIS


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
    """Run it: the plan's output is reused while nothing it read has moved (decided before the
    later phases are even imported)."""
    assert at.root is not None and at.store is not None
    git = at.git
    from graphbuild.analysis.start import begin, no_cycle_collection
    from graphbuild.plan.reuse import PLAN_OUTPUT, begin_reusable, note_fate, recall

    kept = None
    if git is not None and not (args.since or args.registry or args.verbose):
        reusable = begin_reusable(at.root, at.store, git, PLAN_OUTPUT, args.format, args.check)
        begun, key, kept = reusable.begun, reusable.key, recall(reusable)
        note_fate(at.store, PLAN_OUTPUT, reusable.last, reused=kept is not None)
    else:
        with no_cycle_collection():
            begun, key = begin(at.root, at.store, git), None
    if kept is not None:
        sys.stdout.write(kept.stdout)
        sys.stderr.write(kept.stderr)
        return kept.code

    begun.read_ahead()  # while the later phases import
    from graphbuild.cli.plan_commands import run_plan

    return run_plan(args, begun, key)

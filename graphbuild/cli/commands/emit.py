"""`graphbuild emit`: write the Dockerfile, the bake file, the lock and the files asked for."""

from __future__ import annotations

import argparse

from graphbuild.cli.commands import Invocation, Needs

NAME = "emit"
HELP = "write the Dockerfile, the bake file and the lock"
NEEDS = Needs.STORE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Its arguments."""
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; print a diff and exit 1 when the files on disk differ",
    )
    parser.add_argument(
        "--registry",
        action="store_true",
        help="leave images whose hash tag is pushed already out of the rebuild group",
    )
    parser.add_argument(
        "--since",
        metavar="REF",
        help="baseline of the rebuild group: the lock at REF (default: the lock on disk)",
    )


def run(args: argparse.Namespace, at: Invocation) -> int:
    """Run it."""
    from graphbuild.cli.plan_commands import run_emit

    assert at.root is not None and at.store is not None
    return run_emit(args, at.root, at.store)

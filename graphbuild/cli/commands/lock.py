"""`graphbuild lock`: write the lock file with the current hashes."""

from __future__ import annotations

import argparse

from graphbuild.cli.commands import Invocation, Needs

NAME = "lock"
HELP = "write the lock file with the current hashes"
NEEDS = Needs.ANALYSIS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """It takes none."""


def run(args: argparse.Namespace, at: Invocation) -> int:
    """Run it."""
    from graphbuild.cli.plan_commands import run_lock

    assert at.root is not None and at.store is not None
    return run_lock(args, at.root, at.store, at.git)

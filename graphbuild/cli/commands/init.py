"""`graphbuild init`: BUILD.toml files for an existing uv workspace (before there is one)."""

from __future__ import annotations

import argparse

from graphbuild.cli.commands import Invocation, Needs

NAME = "init"
HELP = "write BUILD.toml files for the members of an existing uv workspace"
NEEDS = Needs.NOTHING


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """It takes none."""


def run(args: argparse.Namespace, at: Invocation) -> int:
    """Run it."""
    from graphbuild.cli.init_command import run_init

    return run_init(args)

"""`graphbuild import`: turn a Dockerfile into a BUILD.toml of stages."""

from __future__ import annotations

import argparse

from graphbuild.cli.commands import Invocation, Needs

NAME = "import"
HELP = "turn a Dockerfile into a BUILD.toml of stages"
NEEDS = Needs.LOCK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Its arguments."""
    parser.add_argument("dockerfile", metavar="DOCKERFILE")
    parser.add_argument("--package", metavar="DIR", help="the package (default: its folder)")
    parser.add_argument("--name", help="the target's name (default: the package's last folder)")
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be written, write nothing"
    )


def run(args: argparse.Namespace, at: Invocation) -> int:
    """Run it."""
    from graphbuild.cli.import_command import run_import

    assert at.root is not None
    return run_import(args, at.root)

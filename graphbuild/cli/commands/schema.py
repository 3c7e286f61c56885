"""`graphbuild schema`: the JSON Schema of BUILD.toml files."""

from __future__ import annotations

import argparse

from graphbuild.cli.commands import Invocation, Needs
from graphbuild.cli.common import EXIT_OK

NAME = "schema"
HELP = "print the JSON Schema of BUILD.toml files"
NEEDS = Needs.NOTHING


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """It takes none."""


def run(args: argparse.Namespace, at: Invocation) -> int:
    """Run it."""
    import json
    import sys

    from graphbuild.definition.json_schema import build_toml_schema
    from graphbuild.rules.registry import installed_rules

    sys.stdout.write(json.dumps(build_toml_schema(installed_rules()), indent=2) + "\n")
    return EXIT_OK

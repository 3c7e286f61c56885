"""The command line: the only place that prints or chooses an exit code."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from graphbuild import __version__
from graphbuild.build.driver_kinds import Driver
from graphbuild.cli.common import DESCRIPTION, EXIT_BAD_INPUT, EXIT_OK
from graphbuild.core.errors import GraphbuildError
from graphbuild.definition.load import find_root
from graphbuild.plan.deploy_digests import DigestsFormat
from graphbuild.plan.format_kinds import PlanFormat
from graphbuild.state.store import open_store


class Parser(argparse.ArgumentParser):
    """argparse with usage errors as exit code 2 and one line, like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"graphbuild: error: {message} (see graphbuild --help)\n")


def make_parser() -> Parser:
    """The argument parser of every subcommand."""
    # One piece on purpose: every subcommand's flags side by side, as `--help` lists them.
    parser = Parser(prog="graphbuild", description=DESCRIPTION)
    parser.add_argument(
        "-C",
        dest="directory",
        metavar="DIR",
        default=".",
        help="run in DIR (the workspace is found at or above it)",
    )
    parser.add_argument("--version", action="version", version=f"graphbuild {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    plan = commands.add_parser("plan", help="show what rebuilds and why")
    plan.add_argument("--since", metavar="REF", help="compare with the lock as committed at REF")
    plan.add_argument("--format", choices=[f.value for f in PlanFormat], default="text")
    plan.add_argument("--check", action="store_true", help="exit 1 when anything would rebuild")
    plan.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="say on stderr where the analysis came from (memo, few edits or full, and why)",
    )
    plan.add_argument(
        "--registry", action="store_true", help="images whose hash tag is pushed are unchanged"
    )
    commands.add_parser("lock", help="write the lock file with the current hashes")
    emit = commands.add_parser("emit", help="write the Dockerfile, the bake file and the lock")
    emit.add_argument(
        "--check",
        action="store_true",
        help="write nothing; print a diff and exit 1 when the files on disk differ",
    )
    emit.add_argument(
        "--registry",
        action="store_true",
        help="leave images whose hash tag is pushed already out of the rebuild group",
    )
    emit.add_argument(
        "--since",
        metavar="REF",
        help="baseline of the rebuild group: the lock at REF (default: the lock on disk)",
    )
    build = commands.add_parser("build", help="build images with BuildKit from the emitted files")
    build.add_argument("labels", nargs="*", metavar="LABEL", help="image targets to build")
    which = build.add_mutually_exclusive_group()
    which.add_argument(
        "--all", action="store_true", help="every image, built here at its hash or not"
    )
    which.add_argument(
        "--rebuild",
        action="store_true",
        help="images not built here at their current hash (the default)",
    )
    build.add_argument(
        "--registry",
        action="store_true",
        help="images whose hash tag is not in the workspace registry (the default with --push)",
    )
    build.add_argument(
        "--driver",
        choices=[d.value for d in Driver],
        help="docker buildx bake (the default where buildx answers) or one docker build per image",
    )
    build.add_argument(
        "--test",
        action="store_true",
        help="run the images' tests instead of building images: each image's JUnit XML and "
        "exit code are exported to .graphbuild/test-reports/<image>/, passed or failed, and "
        "summed up; exit 1 when a test failed",
    )
    build.add_argument(
        "--reports",
        metavar="DIR",
        help="with --test: copy each image's reports to DIR/<image>/ as well",
    )
    build.add_argument("--push", action="store_true", help="push the images' tags")
    build.add_argument(
        "--digests",
        metavar="FILE",
        help="with --push: write the digest every image's hash tag points at in the registry "
        "(the index and each platform's) to FILE, for deploy manifests",
    )
    build.add_argument(
        "--digests-format",
        choices=[f.value for f in DigestsFormat],
        default=DigestsFormat.JSON.value,
        help="FILE as JSON, as kustomize's `images:` list, or as Helm values",
    )
    build.add_argument(
        "--load",
        action="store_true",
        help="load the images into the engine's image store (the default without --push)",
    )
    build.add_argument(
        "--oci",
        metavar="DIR",
        help="write each image to DIR/<target>.tar (an OCI layout, file times set to "
        "SOURCE_DATE_EPOCH) instead of loading it: the reproducible export",
    )
    build.add_argument(
        "--fail-fast",
        action="store_true",
        help="the first image that fails stops every other build (by default the images not "
        "built on it go on, and those built on it are skipped)",
    )
    build.add_argument("--jobs", type=int, default=2, help="builds at once (docker-build driver)")
    build.add_argument("--dry-run", action="store_true", help="print the commands only")
    build.add_argument("--docker", metavar="PATH", help="the docker CLI (or $GRAPHBUILD_DOCKER)")
    query = commands.add_parser("query", help="dependencies, reverse dependencies, a path")
    query.add_argument("kind", choices=("deps", "rdeps", "path"))
    query.add_argument("labels", nargs="+", metavar="LABEL")
    query.add_argument("--format", choices=("text", "json"), default="text")
    graph = commands.add_parser("graph", help="draw the stage DAG (dot, mermaid, json)")
    graph.add_argument("--format", choices=("dot", "mermaid", "json"), default="dot")
    graph.add_argument("--plan", action="store_true", help="highlight what rebuilds vs the lock")
    commands.add_parser("schema", help="print the JSON Schema of BUILD.toml files")
    imports = commands.add_parser("import", help="turn a Dockerfile into a BUILD.toml of stages")
    imports.add_argument("dockerfile", metavar="DOCKERFILE")
    imports.add_argument("--package", metavar="DIR", help="the package (default: its folder)")
    imports.add_argument("--name", help="the target's name (default: the package's last folder)")
    imports.add_argument(
        "--dry-run", action="store_true", help="print what would be written, write nothing"
    )
    commands.add_parser(
        "init", help="write BUILD.toml files for the members of an existing uv workspace"
    )
    lint = commands.add_parser("lint", help="check the stages against good practice")
    lint.add_argument("--format", choices=("text", "json"), default="text")
    return parser


WITH_STORE = {"plan", "lock", "emit"}  # run with the store open (the workspace locked)
LOCKED = {"import"}  # writes BUILD.toml files: the workspace locked; build locks its own parts

COMMANDS = {  # command -> module of graphbuild.cli and function; imported when run
    "plan": ("plan_commands", "run_plan"),
    "lock": ("plan_commands", "run_lock"),
    "emit": ("plan_commands", "run_emit"),
    "lint": ("tool_commands", "run_lint"),
    "build": ("build_command", "run_build"),
    "query": ("tool_commands", "run_query"),
    "graph": ("tool_commands", "run_graph"),
    "import": ("import_command", "run_import"),
}


def command(name: str) -> Callable[..., int]:
    """The function that runs a subcommand (only its own modules are imported: start-up time
    is felt on every warm plan)."""
    module, function = COMMANDS[name]
    return getattr(importlib.import_module(f"graphbuild.cli.{module}"), function)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `graphbuild` console script."""
    args = make_parser().parse_args(argv)
    if args.command == "schema":  # needs no workspace
        from graphbuild.definition.json_schema import build_toml_schema
        from graphbuild.rules.registry import installed_rules

        sys.stdout.write(json.dumps(build_toml_schema(installed_rules()), indent=2) + "\n")
        return EXIT_OK
    try:
        if args.command == "init":  # before there is a workspace
            from graphbuild.cli.init_command import run_init

            return run_init(args)
        root = find_root(Path(args.directory))
        if args.command in WITH_STORE:
            with open_store(root) as store:
                return command(args.command)(args, root, store)
        if args.command in LOCKED:
            with open_store(root):
                return command(args.command)(args, root)
        return command(args.command)(args, root)
    except GraphbuildError as err:
        for line in str(err).splitlines():
            print(f"graphbuild: error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130

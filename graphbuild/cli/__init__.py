"""The command line: the only place that prints or chooses an exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from graphbuild import __version__
from graphbuild.cli.commands import (
    Command,
    Invocation,
    Needs,
    build,
    emit,
    graph,
    import_dockerfile,
    init,
    lint,
    lock,
    plan,
    query,
    schema,
)
from graphbuild.cli.common import DESCRIPTION, EXIT_BAD_INPUT
from graphbuild.core.errors import GraphbuildError
from graphbuild.definition.layout import find_root
from graphbuild.tree.git_start import GitRun, start_view, stop_git


class Parser(argparse.ArgumentParser):
    """argparse with usage errors as exit code 2 and one line, like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"graphbuild: error: {message} (see graphbuild --help)\n")


COMMANDS: tuple[Command, ...] = (
    plan, lock, emit, build, query, graph, schema, import_dockerfile, init, lint,
)  # fmt: skip


def make_parser() -> Parser:
    """The argument parser: the global options, then each command's own (`--help` lists them
    in this order)."""
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
    for command in COMMANDS:
        command.add_arguments(commands.add_parser(command.NAME, help=command.HELP))
    return parser


EXIT_UNFLUSHED = 120  # what Python exits with when its last flush of stdout fails


def console() -> NoReturn:
    """The `graphbuild` console script: main, then out without the interpreter's teardown,
    which frees every object of the analysis one by one (40 ms after a cold plan at 500
    images) when everything graphbuild writes is closed already."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a reader gone (`graphbuild plan | head`)
        code = EXIT_UNFLUSHED
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (the process's own by default); its exit code."""
    args = make_parser().parse_args(argv)
    command = next(c for c in COMMANDS if args.command == c.NAME)
    git: GitRun | None = None
    try:
        if command.NEEDS is Needs.NOTHING:
            return command.run(args, Invocation())
        root = find_root(Path(args.directory))
        git = start_view(root) if command.NEEDS in (Needs.ANALYSIS, Needs.BUILD) else None
        if command.NEEDS is Needs.BUILD:
            return run_with_docker(command, args, root, git)
        from graphbuild.state.store import open_store  # 40 ms of imports, while git works

        if command.NEEDS is Needs.ANALYSIS:
            with open_store(root) as store:
                return command.run(args, Invocation(root, store, git))
        if command.NEEDS is Needs.LOCK:
            with open_store(root):
                return command.run(args, Invocation(root))
        return command.run(args, Invocation(root))
    except GraphbuildError as err:
        for line in str(err).splitlines():
            print(f"graphbuild: error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    finally:
        stop_git(git)


def run_with_docker(
    command: Command, args: argparse.Namespace, root: Path, git: GitRun | None
) -> int:
    """Run a command that builds: the docker CLI found and asked whether buildx answers before
    the command's imports (the plugin takes 70 ms to start), the question reaped after."""
    from graphbuild.build.docker_cli import DockerCli, asking_buildx, find_docker

    docker = find_docker(args.docker)
    with asking_buildx(docker) as buildx:
        return command.run(args, Invocation(root, None, git, DockerCli(docker, buildx)))

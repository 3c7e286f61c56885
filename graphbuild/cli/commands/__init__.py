"""Every subcommand, one module each: its name, help, what it needs opened before it runs, its
arguments and its run, which imports what it needs only when it runs (start-up time is felt on
every warm plan). The parser is built from COMMANDS; `main` runs them all one way."""

from __future__ import annotations

import argparse
import enum
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from graphbuild.build.docker_cli import DockerCli
    from graphbuild.state.store import Store
    from graphbuild.tree.git_start import GitRun


class Needs(enum.Enum):
    """What a command needs before it runs."""

    NOTHING = "nothing"  # no workspace (schema; init finds its own)
    WORKSPACE = "workspace"  # the workspace root
    LOCK = "lock"  # the root, with the workspace lock held (it writes BUILD.toml files)
    # the root, the store open (and so the lock held), and git's commands for a view of the
    # tree, started first: they run while the store opens and the command's phases import
    ANALYSIS = "analysis"
    # the root, git's commands for a view and the docker CLI asked whether buildx answers,
    # all started first; the store is left to the command (a build holds the lock only while
    # it analyses and while it records, not while images build)
    BUILD = "build"


class Invocation(NamedTuple):
    """Where a command runs: the workspace root, the open store, git's commands for a view of
    the tree (None: no git here) and the docker CLI, as it needs them. (Not attrs: importing
    it costs 20 ms before git's commands may start.)"""

    root: Path | None = None
    store: Store | None = None
    git: GitRun | None = None
    docker: DockerCli | None = None


class Command(Protocol):
    """A subcommand module."""

    NAME: str
    HELP: str
    NEEDS: Needs

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Declare its arguments on its subparser."""
        ...

    def run(self, args: argparse.Namespace, at: Invocation) -> int:
        """Run it; its exit code."""
        ...

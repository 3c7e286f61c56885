"""Shared by the command modules: exit codes, the description and warnings more than one
prints."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from graphbuild.core.errors import GraphbuildError, LoadError
from graphbuild.tree.git import ignored_by_git

if TYPE_CHECKING:  # the graph phase is imported only by the commands that build one
    from graphbuild.graph.link import Graph

EXIT_OK, EXIT_CHANGES, EXIT_BAD_INPUT = 0, 1, 2
DESCRIPTION = (
    "A declarative build graph for the container images of a Python monorepo: content hashes, "
    "a plan of what rebuilds and why, one emitted Dockerfile and a bake file."
)


def base_platform_problems(graph: Graph) -> list[LoadError]:
    """For plan and lint: the bases that lack a platform other than this machine's that their
    images are built for, where a docker CLI is found (none is asked otherwise)."""
    from graphbuild.build.docker_cli import find_docker
    from graphbuild.build.platforms import platform_problems

    try:
        docker = find_docker(None)
    except GraphbuildError:
        return []
    images = [t.label for t in graph.images]
    return platform_problems(graph, images, docker, always=False)


def hidden_outputs_warning(root: Path, paths: Sequence[str]) -> str:
    """The warning that git ignores some of the files emit writes (empty when it ignores
    none): a fresh clone would lack them."""
    hidden = ignored_by_git(root, list(paths))
    if not hidden:
        return ""
    more = f" and {len(hidden) - 3} more" if len(hidden) > 3 else ""
    return (
        f"graphbuild: warning: git ignores {', '.join(hidden[:3])}{more}: commit them with"
        " `git add -f`, or set dockerfile and bake in [workspace] to a folder git keeps"
        " (`emit --check` in a fresh clone needs them)\n"
    )

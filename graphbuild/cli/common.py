"""Shared by the command modules: exit codes and the description."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphbuild.core.errors import GraphbuildError, LoadError

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
    from graphbuild.build.docker import find_docker
    from graphbuild.build.platforms import platform_problems

    try:
        docker = find_docker(None)
    except GraphbuildError:
        return []
    images = [t.label for t in graph.images]
    return platform_problems(graph, images, docker, always=False)

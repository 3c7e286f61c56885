"""Shared by the command modules: exit codes and the description."""

from __future__ import annotations

EXIT_OK, EXIT_CHANGES, EXIT_BAD_INPUT = 0, 1, 2
DESCRIPTION = (
    "A declarative build graph for the container images of a Python monorepo: content hashes, "
    "a plan of what rebuilds and why, one emitted Dockerfile and a bake file."
)

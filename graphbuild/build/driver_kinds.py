"""The names of the build drivers: what `--driver` takes (kept apart from the drivers so the
command line knows them without importing them)."""

from __future__ import annotations

import enum


class Driver(enum.StrEnum):
    """How `graphbuild build` drives the engine."""

    BAKE = "bake"  # docker buildx bake: one invocation, BuildKit schedules and shares steps
    DOCKER_BUILD = "docker-build"  # one docker build per image: engines without buildx
    SPREAD = "spread"  # one docker build per image, spread over several builders (--builders)

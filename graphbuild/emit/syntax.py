"""The emitted Dockerfile's feature floor, checked step by step (versions: core.features)."""

from __future__ import annotations

from graphbuild.core.errors import EmitError
from graphbuild.core.features import BASE_FLOOR, LABS_ONLY, needs, version_key
from graphbuild.core.model import DockerfileFrontend, Stage


def check_floor(stages: list[Stage], floor: str) -> None:
    """EmitError naming the first step that needs a newer frontend than `floor`."""
    for stage in stages:
        for step in stage.steps:
            for flag in step.flags:
                if (step.instruction, flag) in LABS_ONLY:
                    raise EmitError.at(
                        stage,
                        step.key,
                        f"{step.instruction} --{flag} exists only in the labs Dockerfile frontend, "
                        "which graphbuild does not emit",
                    )
            for feature, version in needs(step):
                if version_key(version) > version_key(floor):
                    raise EmitError.at(
                        stage,
                        step.key,
                        f"{feature} needs Dockerfile syntax {version}, above the workspace's "
                        f"floor {floor} (raise [workspace] dockerfile_syntax to use it)",
                    )


def syntax_line(floor: str, frontend: DockerfileFrontend) -> str | None:
    """The `# syntax=` directive for a floor above 1.2 (the frontend every BuildKit engine has
    built in); None at 1.2, or when the workspace relies on its engine's built-in frontend."""
    if frontend is DockerfileFrontend.BUILTIN or version_key(floor) <= version_key(BASE_FLOOR):
        return None
    return f"# syntax=docker/dockerfile:{floor}"

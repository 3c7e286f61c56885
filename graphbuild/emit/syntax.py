"""The Dockerfile feature floor: which frontend version each instruction flag needs.

Versions follow the Dockerfile frontend release notes: RUN --mount and COPY --chmod/--chown/--from
are in 1.2 (the frontend built into older engines); RUN --network 1.3; COPY --link and heredocs
1.4; ADD
--checksum and --keep-git-dir, HEALTHCHECK --start-interval 1.6; COPY/ADD --exclude 1.19.
COPY --parents and RUN --security exist only in the labs channel, which graphbuild never emits.
"""

from __future__ import annotations

import re

from graphbuild.core.errors import EmitError
from graphbuild.core.model import DockerfileFrontend, Stage, Step

BASE_FLOOR = "1.2"
FLAG_VERSIONS: dict[tuple[str, str], str] = {
    ("RUN", "mount"): "1.2",
    ("RUN", "network"): "1.3",
    ("RUN", "heredoc"): "1.4",  # not a flag: a RUN <<EOF step (graphbuild.core.steps.HEREDOC)
    ("COPY", "from"): "1.2",
    ("COPY", "chown"): "1.2",
    ("COPY", "chmod"): "1.2",
    ("COPY", "link"): "1.4",
    ("COPY", "exclude"): "1.19",
    ("ADD", "chown"): "1.2",
    ("ADD", "chmod"): "1.2",
    ("ADD", "link"): "1.4",
    ("ADD", "checksum"): "1.6",
    ("ADD", "keep-git-dir"): "1.6",
    ("ADD", "exclude"): "1.19",
}
LABS_ONLY = {("COPY", "parents"), ("RUN", "security")}
HEALTHCHECK_START_INTERVAL = re.compile(r"^HEALTHCHECK(\s+--[a-z-]+=\S+)*\s+--start-interval=")


def version_key(version: str) -> tuple[int, ...]:
    """'1.19' -> (1, 19), for comparing versions."""
    return tuple(int(p) for p in version.split("."))


def needs(step: Step) -> list[tuple[str, str]]:
    """(feature, minimum version) for every versioned feature the step uses."""
    found = []
    for flag in dict.fromkeys(step.flags):
        key = (step.instruction, flag)
        if key in FLAG_VERSIONS:
            feature = "a RUN heredoc" if flag == "heredoc" else f"{step.instruction} --{flag}"
            found.append((feature, FLAG_VERSIONS[key]))
    text = "".join(p for p in step.parts if isinstance(p, str))
    if step.instruction == "HEALTHCHECK" and HEALTHCHECK_START_INTERVAL.search(text):
        found.append(("HEALTHCHECK --start-interval", "1.6"))
    return found


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

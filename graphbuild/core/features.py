"""The Dockerfile features graphbuild knows: which frontend version each instruction flag needs.

Versions follow the Dockerfile frontend release notes: RUN --mount and COPY --chmod/--chown/--from
are in 1.2 (the frontend built into older engines); RUN --network 1.3; COPY --link and heredocs
1.4; ADD --checksum and --keep-git-dir, HEALTHCHECK --start-interval 1.6; COPY/ADD --exclude 1.19.
COPY --parents and RUN --security exist only in the labs channel, which graphbuild never emits.
"""

from __future__ import annotations

import re

from graphbuild.core.model import Step

BASE_FLOOR = "1.2"
FLAG_VERSIONS: dict[tuple[str, str], str] = {
    ("RUN", "mount"): "1.2",
    ("RUN", "network"): "1.3",
    ("RUN", "heredoc"): "1.4",  # not a flag: a RUN <<EOF step (graphbuild.core.steps.HEREDOC)
    ("COPY", "heredoc"): "1.4",  # COPY <<EOF dest: the file's text inline
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
CHECK_PART = r"(?:skip=(?:all|[A-Za-z]+(?:,[A-Za-z]+)*)|error=(?:true|false))"
CHECK_RE = re.compile(rf"{CHECK_PART}(?:;{CHECK_PART})*\Z")  # BuildKit's `# check=` grammar
CHECK_GRAMMAR = "skip=RULE[,RULE…] or skip=all and/or error=true|false, joined with ';'"
LABS_ONLY = {("COPY", "parents"), ("RUN", "security")}
HEALTHCHECK_START_INTERVAL = re.compile(r"^HEALTHCHECK(\s+--[a-z-]+=\S+)*\s+--start-interval=")


NEWEST = 10**6  # the minor version a bare major stands for: the newest of its channel


def version_key(version: str) -> tuple[int, ...]:
    """'1.19' -> (1, 19), for comparing versions; '1' (docker/dockerfile:1, the newest stable
    1.x) above every 1.x."""
    parts = tuple(int(p) for p in version.split("."))
    return parts if len(parts) > 1 else (parts[0], NEWEST)


def needs(step: Step) -> list[tuple[str, str]]:
    """(feature, minimum version) for every versioned feature the step uses."""
    found = []
    for flag in dict.fromkeys(step.flags):
        key = (step.instruction, flag)
        if key in FLAG_VERSIONS:
            feature = (
                f"a {step.instruction} heredoc"
                if flag == "heredoc"
                else f"{step.instruction} --{flag}"
            )
            found.append((feature, FLAG_VERSIONS[key]))
    text = "".join(p for p in step.parts if isinstance(p, str))
    if step.instruction == "HEALTHCHECK" and HEALTHCHECK_START_INTERVAL.search(text):
        found.append(("HEALTHCHECK --start-interval", "1.6"))
    return found


def floor_for(steps: list[Step]) -> str:
    """The lowest frontend version that has every feature `steps` use (at least 1.2)."""
    versions = [BASE_FLOOR, *(v for step in steps for _, v in needs(step))]
    return max(versions, key=version_key)

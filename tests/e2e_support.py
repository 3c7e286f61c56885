"""What the end-to-end tests share: the engine check, the local bases, reading BuildKit's
plain progress. Importing it skips the importing module when no engine is ready."""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

import pytest

from graphbuild.build.docker_cli import find_docker, has_buildx
from tests.debian import LOCAL_BASES, on_local_bases
from tests.support import REPO, run

BASES = LOCAL_BASES
__all__ = ["BASES", "DOCKER", "DRIVERS", "docker", "on_local_bases", "steps_in"]
# `#7 [stage 2/4] COPY …`, or `#7 [target stage 2/4] COPY …` where bake builds several targets
STEP_RE = re.compile(r"^#(\d+) \[(?:[a-zA-Z0-9_-]+ )?([a-z0-9._-]+) +\d+/\d+\] (.*)$")
STATUS_RE = re.compile(r"^#(\d+) (CACHED|CANCELED|DONE [\d.]+s|ERROR.*)$")


def engine() -> str | None:
    """Why the engine cannot be used, or None when it can."""
    try:
        docker = find_docker(None)
    except Exception as err:
        return str(err)
    check = subprocess.run(["bash", str(REPO / "tools/engine"), "--check"], capture_output=True)
    return None if check.returncode == 0 and docker else "no engine: run tools/engine first"


REASON = engine()
if REASON is not None:
    pytest.skip(f"end-to-end tests skipped: {REASON}", allow_module_level=True)
DOCKER = find_docker(None)
# CI's engine has buildx, so both drivers run there; GRAPHBUILD_ENGINE=legacy has only one.
DRIVERS = ["bake", "docker-build"] if has_buildx(DOCKER) else ["docker-build"]


def docker(
    *args: str, check: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the docker CLI (in `cwd`); its captured output."""
    return subprocess.run([DOCKER, *args], capture_output=True, text=True, check=check, cwd=cwd)


def steps_in(log: str) -> dict[str, tuple[str, str]]:
    """BuildKit plain progress: step text -> (stage, status) for every Dockerfile step. Bake
    reports a step once per target's solve: it ran if any of its vertices did not hit the cache
    (a vertex BuildKit CANCELED because a twin of it ran says nothing)."""
    headers: dict[str, tuple[str, str]] = {}
    statuses: dict[str, str] = {}
    for line in log.splitlines():
        if match := STEP_RE.match(line):
            headers[match.group(1)] = (match.group(2), match.group(3))
        elif match := STATUS_RE.match(line):
            statuses[match.group(1)] = match.group(2).split()[0]
    steps: dict[str, tuple[str, str]] = {}
    for n, (stage, text) in headers.items():
        if text.startswith("FROM "):  # it only resolves the base: DONE, never CACHED
            continue
        status = statuses.get(n, "?")
        if steps.get(text, (stage, "CACHED"))[1] in ("CACHED", "CANCELED", "?"):
            steps[text] = (stage, status)
    return steps


def local_workspace(root: Path, build_toml: str) -> Path:
    """A one-file workspace at `root` on the local bookworm base (`{base}` in the text) with a
    fresh `{nonce}` (so its steps are not cached from an earlier run), emitted."""
    root.mkdir()
    text = build_toml.replace("{base}", BASES["bookworm"]).replace("{nonce}", uuid.uuid4().hex)
    (root / "BUILD.toml").write_text(text)
    assert run("emit", cwd=root).code == 0
    return root

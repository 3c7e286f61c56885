"""The docker CLI: where it is, and whether its buildx plugin answers; this module imports
nothing heavy, so a build starts asking before its own imports."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from typing import NamedTuple

from graphbuild.core.errors import BuildError

DOCKER_ENV = "GRAPHBUILD_DOCKER"


def find_docker(explicit: str | None) -> str:
    """The docker CLI: --docker, else $GRAPHBUILD_DOCKER (either, when given, must be an
    executable: a typo is an error, never a silent fall back), else /usr/bin/docker, else PATH."""
    for given, where in ((explicit, "--docker"), (os.environ.get(DOCKER_ENV), DOCKER_ENV)):
        if given:
            if os.path.isfile(given) and os.access(given, os.X_OK):
                return given
            raise BuildError(f"{where} {given}: no executable there")
    for candidate in ("/usr/bin/docker", shutil.which("docker")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise BuildError("no docker CLI found (give --docker PATH or set GRAPHBUILD_DOCKER)")


class DockerCli(NamedTuple):
    """The docker CLI found, and a call that waits for whether its buildx plugin answers. (Not
    attrs: it is made before the imports it would cost.)"""

    path: str
    buildx: Callable[[], bool]


BUILDX_TIMEOUT = 20


def has_buildx(docker: str) -> bool:
    """True when `docker buildx` answers."""
    with asking_buildx(docker) as answer:
        return answer()


@contextlib.contextmanager
def asking_buildx(docker: str) -> Iterator[Callable[[], bool]]:
    """Ask whether `docker buildx` answers while the block works (the plugin takes 70 ms to
    start); the block gets a call that waits for the answer, and the question is reaped after."""
    try:
        process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [docker, "buildx", "version"], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    except OSError:
        process = None

    def answer() -> bool:
        if process is None:
            return False
        try:
            return process.wait(timeout=BUILDX_TIMEOUT) == 0
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return False

    try:
        yield answer
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

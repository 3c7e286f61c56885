"""The lint checks: stable ids, severities, titles and fix hints; and the Finding record."""

from __future__ import annotations

import enum
from typing import Protocol

import attrs


class Severity(enum.StrEnum):
    """How bad a finding is; `lint` exits 1 on an error."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Sort order: errors first."""
        return list(Severity).index(self)


ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO  # the catalog's shorthand


@attrs.frozen
class Check:
    """A lint rule: stable id, severity, what it finds, how to fix it."""

    id: str
    severity: Severity
    title: str
    hint: str


@attrs.frozen
class Finding:
    """One place a check fails."""

    id: str
    severity: Severity
    label: str
    key: str | None
    message: str
    hint: str
    file: str | None = None
    line: int | None = None

    def to_json(self) -> dict[str, object]:
        """The finding as a JSON object."""
        return attrs.asdict(self)


_TABLE = [
    ("GB101", ERROR, "Alpine/musl base",
     "use an LTS glibc base (Debian, Ubuntu): manylinux wheels need glibc"),
    ("GB102", WARNING, "rolling or moving base tag",
     "use an LTS release tag (bookworm, 24.04), never latest/sid/testing/rolling"),
    ("GB103", WARNING, "external image without a digest", "pin it: name:tag@sha256:<digest>"),
    ("GB104", WARNING, "image never applies security updates",
     "build it on a distro_base (apt-get upgrade, refreshed on a cadence)"),
    ("GB105", ERROR, "base lacks a platform the images on it are built for",
     "build only for the platforms the base has, or use a base that has them all (an index)"),
    ("GB201", ERROR, "image runs as root",
     "create a dedicated user and end with USER <uid>:<gid> (python_app does)"),
    ("GB202", WARNING, "USER is not numeric", "use the numeric uid so runAsNonRoot can verify it"),
    ("GB301", ERROR, "compiler or -dev package in a runtime image",
     "install build tools in a builder stage and COPY --from it"),
    ("GB302", WARNING, "source copied before the dependencies are installed",
     "COPY only the requirements, install, then COPY the source"),
    ("GB303", WARNING, "source is not the last filesystem change",
     "move the source COPY to the end of the stage"),
    ("GB304", WARNING, "a locked dependency has no wheel for the image: it compiles in the builder",
     "give the image build_packages (and runtime_packages) for it, or lock a version with a wheel"),
    ("GB305", WARNING, "a locked dependency is pinned by a git commit, not by a hash",
     "publish it to an index (or a URL with a hash) so the image's install can require hashes"),
    ("GB401", ERROR, "venv writable by the runtime user",
     "keep the venv root-owned: COPY --from without --chown, create it as root"),
    ("GB402", ERROR, "secret-like build arg or env",
     "pass credentials as a build secret (RUN --mount=type=secret), never ARG/ENV"),
    ("GB403", WARNING, "ADD of a URL without a checksum",
     "use ADD --checksum=sha256:… (syntax 1.6) or curl plus sha256sum -c"),
    ("GB404", ERROR, "Python source downloaded without a verified checksum",
     "check the tarball: echo '<sha256>  file' | sha256sum -c -"),
    ("GB405", ERROR, "credentials in a URL",
     "drop user:password@ from the URL and use the pip-netrc build secret"),
    ("GB501", WARNING, "more than three Python versions",
     "keep two or three: each version is an image family to maintain"),
    ("GB502", ERROR, "venv copied between different interpreters",
     "build the venv on the same python_interpreter as the runtime (its #dev stage)"),
    ("GB601", WARNING, "apt install without --no-install-recommends",
     "add --no-install-recommends: recommends bloat the image"),
    ("GB602", INFO, "apt lists left in the layer",
     "mount /var/lib/apt/lists as a cache or rm -rf it in the same RUN"),
    ("GB603", INFO, "pip cache not mounted",
     "add --mount=type=cache,target=/root/.cache/pip (or --no-cache-dir)"),
    ("GB701", WARNING, "a reproducible workspace's step reads the network unpinned",
     "pin what it reads (a Debian snapshot, hashed requirements, a checked digest), or accept "
     "that this image differs from build to build"),
]  # fmt: skip
CHECKS = {row[0]: Check(*row) for row in _TABLE}


class Place(Protocol):
    """Where a finding is: a stage or a target."""

    @property
    def label(self) -> object: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int | None: ...


def finding(check_id: str, place: Place, key: str | None, message: str) -> Finding:
    """A Finding of check `check_id` at a stage or target (anything with file, line, label)."""
    check = CHECKS[check_id]
    return Finding(
        check.id, check.severity, str(place.label), key, message, check.hint, place.file,
        place.line,
    )  # fmt: skip

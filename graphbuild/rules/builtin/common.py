"""Building blocks the Python rules share: apt and pip steps, cache mounts, name checks."""

from __future__ import annotations

from collections.abc import Iterable

from graphbuild.core.errors import LoadError
from graphbuild.core.labels import parse_label
from graphbuild.core.model import Target
from graphbuild.rules.builder import StageBuilder

APT_CACHE = (
    "type=cache,target=/var/cache/apt,sharing=locked",
    "type=cache,target=/var/lib/apt/lists,sharing=locked",
)
# What apt and dpkg leave in a layer besides the packages: logs with the build's timestamps,
# ldconfig's cache of file times, the previous copies of their databases. None of it is read
# at run time; all of it differs between two builds of the same packages.
APT_TRACES = (
    "rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt"
    " /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old"
)
PIP_CACHE = ("type=cache,target=/root/.cache/pip",)
PIP_NETRC_SECRET = ("type=secret,id=pip-netrc,target=/root/.netrc",)
VENV = "/opt/venv"


def apt_install(stage: StageBuilder, key: str, packages: Iterable[str]) -> StageBuilder:
    """One apt-get install with no recommends, the apt caches mounted and apt's traces removed
    (nothing left behind that differs between two builds)."""
    names = " ".join(sorted(set(packages)))
    command = (
        f"apt-get update && apt-get install -y --no-install-recommends {names} && {APT_TRACES}"
    )
    return stage.run(key, command, APT_CACHE)


def pip_flags(index_url: str | None) -> str:
    """pip options for a private index (credentials come from the pip-netrc build secret)."""
    return f" --index-url {index_url}" if index_url else ""


def pip_mounts(index_url: str | None) -> tuple[str, ...]:
    """Cache mount for pip, plus the netrc secret when a private index is used."""
    return PIP_CACHE + PIP_NETRC_SECRET if index_url else PIP_CACHE


def stage_label(value: str, target: Target, stage: str) -> str:
    """The label of stage `stage` of the target `value` names (`//pkg:x@v` -> `//pkg:x@v#stage`)."""
    return str(parse_label(value, target.label.package).with_stage(stage))


def check_packages(target: Target, key: str, packages: Iterable[str]) -> list[str]:
    """Debian package names: no spaces or shell characters."""
    names = list(packages)
    for name in names:
        if not name or not all(c.isalnum() or c in "+-.:=~" for c in name):
            raise LoadError.at(target, key, f"invalid package name {name!r}")
    return names

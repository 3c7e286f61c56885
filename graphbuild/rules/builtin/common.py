"""Building blocks the Python rules share: apt and pip steps, cache mounts, name checks."""

from __future__ import annotations

import re
from collections.abc import Iterable

from graphbuild.core.errors import LoadError
from graphbuild.core.labels import parse_label
from graphbuild.core.model import Target
from graphbuild.definition.fields import matches
from graphbuild.rules.api import Context
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
SHA256_HEX_RE = re.compile(r"[0-9a-f]{64}\Z")  # a SHA-256 digest in hex, without its prefix

# Paths written into a COPY step as they are: no blank, quote, `$` or backslash.
COPY_PATH = matches(
    r"[^ \"'$\\]*", "a path with no blank, quote, $ or \\", "invalid path {value!r}"
)
# Paths written into a shell command or an instruction unquoted.
ABSOLUTE_PATH = matches(
    r"/[A-Za-z0-9_./-]*", "an absolute path", "expected an absolute path, got {value!r}"
)


def apt_install(
    stage: StageBuilder, key: str, packages: Iterable[str], caches: str | None
) -> StageBuilder:
    """One apt-get install with no recommends, the apt caches of `caches` mounted and apt's
    traces removed (nothing left behind that differs between two builds)."""
    names = " ".join(sorted(set(packages)))
    command = (
        f"apt-get update && apt-get install -y --no-install-recommends {names} && {APT_TRACES}"
    )
    return stage.run(key, command, apt_mounts(caches))


def apt_mounts(caches: str | None) -> tuple[str, ...]:
    """apt's cache mounts, named after the distro base they serve (`caches`; None: unnamed).
    Unnamed, every distro's apt steps share one pair: each waits for the others' lock, and
    each distro's `apt-get update` replaces the other's lists, so both download theirs again
    (a cold bake of the example: 59 s against 45 s named)."""
    if caches is None:
        return APT_CACHE
    return (
        f"type=cache,id=apt-archives-{caches},target=/var/cache/apt,sharing=locked",
        f"type=cache,id=apt-lists-{caches},target=/var/lib/apt/lists,sharing=locked",
    )


def apt_caches_of(context: Context, base: str | None, package: str) -> str | None:
    """The apt caches of the distro that stages FROM `base` (a label, or an @external image)
    install on, as the base's rule published them; None when unknown."""
    if not base or base.startswith("@"):
        return None
    return context.facts_of(parse_label(base, package)).apt_caches


def safe_name(target: Target) -> str:
    """The target's label in the characters a file name and a cache mount's id both take."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(target.label).lstrip("/")).strip("-")


def pip_flags(index_url: str | None) -> str:
    """pip options for a private index (credentials come from the pip-netrc build secret)."""
    return f" --index-url {index_url}" if index_url else ""


def pip_mounts(index_url: str | None) -> tuple[str, ...]:
    """Cache mount for pip, plus the netrc secret when a private index is used."""
    return PIP_CACHE + PIP_NETRC_SECRET if index_url else PIP_CACHE


def stage_label(value: str, target: Target, stage: str) -> str:
    """The label of stage `stage` of the target `value` names (`//pkg:x@v` -> `//pkg:x@v#stage`)."""
    return str(parse_label(value, target.label.package).with_stage(stage))


# Debian policy's package name, then an optional :arch and =version (never an apt option)
PACKAGE_RE = re.compile(r"[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?(=[A-Za-z0-9.+:~-]+)?\Z")
INDEX_URL_RE = re.compile(r"https?://[A-Za-z0-9._~:/@%+=-]+\Z")  # no shell or query characters


def check_packages(target: Target, key: str, packages: Iterable[str]) -> list[str]:
    """Debian package names (name[:arch][=version]): never an apt option or shell text."""
    names = list(packages)
    for i, name in enumerate(names):
        if not PACKAGE_RE.match(name):
            raise LoadError.at(target, f"{key}[{i}]", f"invalid Debian package name {name!r}")
    return names


def check_index_url(target: Target, url: str | None) -> str | None:
    """A package index URL: http(s), and nothing a shell would read as more than one word."""
    if url is not None and not INDEX_URL_RE.match(url):
        raise LoadError.at(
            target, "index_url", f"expected an http(s) URL with no spaces, quotes or shell"
            f" characters, got {url!r}",
        )  # fmt: skip
    return url


def venv_env(venv: str) -> dict[str, str]:
    """The environment that makes `venv` the Python of every command."""
    return {"VIRTUAL_ENV": venv, "PATH": f"{venv}/bin:$PATH"}

"""`distro_base`: an LTS distro image with this cadence's security updates, shared by every image.

The `refresh` date is part of the upgrade step, so moving it re-runs the upgrade (and changes
every hash built on it): reproducible between refreshes, up to date at each one. `snapshot`
additionally pins apt to a Debian snapshot, making the upgrade itself repeatable.
"""

from __future__ import annotations

import re

import attrs

from graphbuild.core.errors import LoadError
from graphbuild.core.facts import DistroPins, Facts
from graphbuild.core.model import Expansion, Target
from graphbuild.definition.fields import DATE_RE, ValueType, option
from graphbuild.rules.api import Context, Rule
from graphbuild.rules.builder import StageBuilder
from graphbuild.rules.builtin.common import APT_TRACES, apt_mounts, check_packages, safe_name

S = ValueType.STR


@attrs.frozen
class DistroBase:
    """The keys of a distro_base target."""

    from_: str = option(
        S, "The LTS distro image: @external (pinned by digest), or a label.", required=True,
        key="from",
    )  # fmt: skip
    packages: tuple[str, ...] = option(
        ValueType.STR_LIST, "Debian packages every image on this base needs.", default=[]
    )
    refresh: str = option(
        S, "The security-update date (YYYY-MM-DD): move it to pull new updates.", required=True,
        epoch_date=True,
    )  # fmt: skip
    snapshot: str | None = option(S, "A Debian snapshot time (20261123T000000Z) to pin apt to.")
    suite: str | None = option(S, "The Debian suite of the snapshot, e.g. 'bookworm'.")
    snapshot_mirror: str = option(
        S, "The snapshot archive's URL.", default="https://snapshot.debian.org/archive"
    )
    keep_docs: bool = option(
        ValueType.BOOL,
        "Keep what dpkg installs under /usr/share/doc, man, info, locale and lintian (by "
        "default path excludes keep them out of every image on this base; copyrights stay).",
        default=False,
    )


SNAPSHOT_RE = re.compile(r"\d{8}T\d{6}Z\Z")
SUITE_RE = re.compile(r"[a-z]+\Z")
KEEP_CACHE = (
    "rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-"
    'Packages "true";\' > /etc/apt/apt.conf.d/keep-cache'
)


# dpkg leaves these paths out of every package it installs from here on (copyright files and
# locale.alias stay: licences travel with the binaries, and glibc reads the alias file)
DOCS_EXCLUDES = (
    "path-exclude=/usr/share/doc/*", "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/man/*", "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/locale/*", "path-include=/usr/share/locale/locale.alias",
    "path-exclude=/usr/share/lintian/*",
)  # fmt: skip
DOCS_EXCLUDE_FILE = "/etc/dpkg/dpkg.cfg.d/graphbuild-no-docs"


def snapshot_sources(mirror: str, snapshot: str, suite: str) -> str:
    """A command pointing apt at one Debian snapshot (deb822 sources, validity check off)."""
    keyring = "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
    lines = [
        "Types: deb", f"URIs: {mirror}/debian/{snapshot}", f"Suites: {suite} {suite}-updates",
        "Components: main", keyring, "",
        "Types: deb", f"URIs: {mirror}/debian-security/{snapshot}", f"Suites: {suite}-security",
        "Components: main", keyring,
    ]  # fmt: skip
    quoted = " ".join(f"'{line}'" for line in lines)
    return (
        f"printf '%s\\n' {quoted} > /etc/apt/sources.list.d/debian.sources"
        " && rm -f /etc/apt/sources.list"
        " && echo 'Acquire::Check-Valid-Until \"false\";' > /etc/apt/apt.conf.d/snapshot"
    )


def expand_distro_base(target: Target, config: DistroBase, context: Context) -> Expansion:
    """One stage: the pinned image, the apt cache kept for cache mounts, docs kept out, the
    upgrade, packages."""
    settings = context.settings
    if not DATE_RE.match(config.refresh):
        raise LoadError.at(target, "refresh", f"expected a date YYYY-MM-DD, got {config.refresh!r}")
    packages = check_packages(target, "packages", config.packages)
    spec = StageBuilder(target, None, config.from_).run("from", KEEP_CACHE)
    if not config.keep_docs:
        lines = " ".join(f"'{line}'" for line in DOCS_EXCLUDES)
        spec.run("keep_docs", f"printf '%s\\n' {lines} > {DOCS_EXCLUDE_FILE}")
    if config.snapshot is not None:
        if not SNAPSHOT_RE.match(config.snapshot):
            raise LoadError.at(target, "snapshot", "expected a snapshot time like 20261123T000000Z")
        suite = config.suite
        if suite is None or not SUITE_RE.match(suite):
            raise LoadError.at(
                target, "suite", "a snapshot needs the Debian suite, e.g. 'bookworm'"
            )
        mirror = config.snapshot_mirror.rstrip("/")
        spec.run("snapshot", snapshot_sources(mirror, config.snapshot, suite))
    upgrade = (
        f'echo "security refresh {config.refresh}" && apt-get update'
        " && apt-get -y upgrade --no-install-recommends"
    )
    if packages:
        upgrade += " && apt-get install -y --no-install-recommends " + " ".join(
            sorted(set(packages))
        )
    caches = safe_name(target)  # apt's caches of this distro: the stages built on it use them
    spec.run("refresh", f"{upgrade} && {APT_TRACES}", apt_mounts(caches))
    stage = spec.build(settings)
    pins = DistroPins(refresh=config.refresh, snapshot=config.snapshot)
    facts = Facts(distro=pins, apt_caches=caches)
    return Expansion(target=target, stages=(stage,), output=stage.label, facts=facts)


RULE = Rule(
    name="distro_base",
    doc="An LTS distro image with this cadence's security updates, shared by every image.",
    config=DistroBase,
    expand=expand_distro_base,
)

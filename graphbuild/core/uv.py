"""The model of a uv workspace: its members (from their pyproject.toml) and its uv.lock, as
frozen data the rules read to give each image its own lock slice (DESIGN §5)."""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

ROOT_PYPROJECT = "pyproject.toml"
UV_LOCK = "uv.lock"


@attrs.frozen
class Member:
    """One workspace member: a project folder with a pyproject.toml."""

    name: str  # the normalized project name
    path: str  # its folder, workspace-relative ("" for the root project)
    version: str | None
    internal: tuple[str, ...]  # the members it depends on (workspace = true sources), sorted
    scripts: Mapping[str, str]  # [project.scripts]: name -> "module:function"
    files: tuple[str, ...]  # what building it reads, member-relative (pyproject.toml, src/, …)

    @property
    def pyproject(self) -> str:
        """Its pyproject.toml, workspace-relative."""
        return f"{self.path}/pyproject.toml" if self.path else "pyproject.toml"


class SourceKind(enum.StrEnum):
    """Where a locked package comes from."""

    REGISTRY = "registry"  # a package index: pinned by version and hashes
    URL = "url"  # a direct URL to a wheel or sdist, with its hash
    WORKSPACE = "workspace"  # a member (editable, virtual or directory inside the workspace)


@attrs.frozen
class Dependency:
    """One edge of the lock: a package another one needs, under a marker, with extras."""

    name: str
    version: str | None = None  # given where the lock holds several versions of `name`
    marker: str | None = None
    extras: tuple[str, ...] = ()


@attrs.frozen
class LockedPackage:
    """One `[[package]]` of uv.lock."""

    name: str
    version: str
    source: SourceKind
    url: str | None  # the index or direct URL (None for members)
    dependencies: tuple[Dependency, ...]
    optional: Mapping[str, tuple[Dependency, ...]]  # extra -> what it adds
    groups: Mapping[str, tuple[Dependency, ...]]  # dependency group -> what it adds
    hashes: tuple[str, ...]  # sha256:… of its sdist and wheels, sorted
    line: int | None = None  # its [[package]] header in uv.lock


@attrs.frozen
class UvWorkspace:
    """A uv workspace: the members by name, and every locked package by (name, version)."""

    members: Mapping[str, Member]
    packages: Mapping[tuple[str, str], LockedPackage]
    requires_python: str | None = None
    # name -> its locked packages: a slice resolves every edge by name, so not by a scan
    named: Mapping[str, tuple[LockedPackage, ...]] = attrs.field(init=False, eq=False)

    @named.default
    def _named(self) -> Mapping[str, tuple[LockedPackage, ...]]:
        found: dict[str, list[LockedPackage]] = {}
        for (name, _), package in sorted(self.packages.items()):
            found.setdefault(name, []).append(package)
        return {name: tuple(packages) for name, packages in found.items()}

    def by_name(self, name: str) -> tuple[LockedPackage, ...]:
        """Every locked version of `name` (usually one; a forked resolution holds several)."""
        return self.named.get(name, ())

    def closure(self, member: str) -> tuple[str, ...]:
        """The internal members `member` needs, transitively, dependencies before dependents
        (ties by name): the order their layers are installed in."""
        order: list[str] = []

        def visit(name: str) -> None:
            for dep in self.members[name].internal:
                if dep not in order:
                    visit(dep)
                    order.append(dep)

        visit(member)
        return tuple(order)

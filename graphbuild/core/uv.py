"""The model of a uv workspace as uv resolved it: its members and the edges between them (from
uv.lock), each member's folder and entry points, and every locked package, as frozen data the
rules read to give each image its own lock slice (docs/design.md §5)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

import attrs

from graphbuild.core.labels import Label

ROOT_PYPROJECT = "pyproject.toml"
UV_LOCK = "uv.lock"


@attrs.frozen
class Member:
    """One workspace member: a project folder with a pyproject.toml."""

    name: str  # the normalized project name
    path: str  # its folder, workspace-relative ("" for the root project)
    version: str | None
    internal: tuple[str, ...]  # the members its dependencies and extras name in uv.lock, sorted
    scripts: Mapping[str, str]  # [project.scripts]: name -> "module:function"
    # its folder as Docker sends it, member-relative, less nested members: files, and folders
    # ending in "/" (what its build backend may read: any layout, license and version files)
    files: tuple[str, ...]
    packaged: bool = True  # False for a virtual project (no build system): nothing to install
    backend: str | None = None  # [build-system] build-backend, e.g. "hatchling.build"
    outside: tuple[str, ...] = ()  # files its [project] names outside its folder (../README)
    build_requires: tuple[str, ...] = ()  # [build-system] requires, by normalized name

    @property
    def pyproject(self) -> str:
        """Its pyproject.toml, workspace-relative."""
        return f"{self.path}/pyproject.toml" if self.path else "pyproject.toml"


class SourceKind(enum.StrEnum):
    """Where a locked package comes from."""

    REGISTRY = "registry"  # a package index: pinned by version and hashes
    URL = "url"  # a direct URL to a wheel or sdist, with its hash
    WORKSPACE = "workspace"  # a member (editable, virtual or directory inside the workspace)
    GIT = "git"  # a git repository at the commit uv.lock pins: no hash to require
    PATH = "path"  # a local file or folder that is not a member: no hash to require


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
    wheels: tuple[str, ...] = ()  # the file names of its locked wheels
    sdist: bool = False  # whether uv.lock has a source distribution of it


@attrs.frozen
class UvWorkspace:
    """A uv workspace: the members by name, and every locked package by (name, version)."""

    members: Mapping[str, Member]
    packages: Mapping[tuple[str, str], LockedPackage]
    requires_python: str | None = None
    lock_file: str = UV_LOCK  # uv.lock, root-relative (in the python_workspace folder)
    libraries: Mapping[str, Label] = attrs.field(factory=dict)  # member -> its uv_library
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

    def install_order(self, needed: Iterable[str]) -> tuple[str, ...]:
        """The members `needed`, dependencies before dependents (ties by name): the order
        their layers are installed in. A cycle uv allowed is broken at its first member."""
        wanted, order, seen = set(needed), [], set()

        def visit(name: str) -> None:
            seen.add(name)
            for dep in self.members[name].internal:
                if dep in wanted and dep not in seen:
                    visit(dep)
            order.append(name)

        for name in sorted(wanted):
            if name not in seen:
                visit(name)
        return tuple(order)

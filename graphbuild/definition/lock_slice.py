"""An image's lock slice: exactly the uv.lock packages its member and the internal members it
needs resolve to, for one interpreter and its platforms, as a pinned requirements file with
hashes (what `uv export --frozen --package X --no-emit-workspace` lists, markers decided)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs
from packaging.markers import Marker

from graphbuild.core.errors import LoadError
from graphbuild.core.slice_files import SLICE_HEADER
from graphbuild.core.uv import UV_LOCK, Dependency, LockedPackage, SourceKind, UvWorkspace
from graphbuild.definition.wheels import builds_from_source

MACHINES = {"amd64": "x86_64", "arm64": "aarch64", "arm": "armv7l", "386": "i686",
            "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}  # fmt: skip
LATEST_PATCH = 99  # with no release declared, a marker must not depend on the patch release


@attrs.frozen
class SlicedPackage:
    """One pinned line of a slice: a package, and the machines it is for where not all."""

    name: str
    version: str
    url: str | None  # a direct URL source, else None (an index)
    hashes: tuple[str, ...]
    machines: tuple[str, ...] = ()  # empty: every platform of the image

    @property
    def pin(self) -> str:
        """`name==version`, or `name @ url` for a direct URL."""
        return f"{self.name} @ {self.url}" if self.url else f"{self.name}=={self.version}"


@attrs.frozen
class LockSlice:
    """What one image installs from the lock."""

    member: str
    internal: tuple[str, ...]
    python: str  # "3.11", or the full release where declared
    platforms: tuple[str, ...]
    packages: tuple[SlicedPackage, ...]
    compiles: tuple[str, ...] = ()  # "name version" of the packages with no wheel for it

    @property
    def unhashed(self) -> tuple[str, ...]:
        """The packages pinned by a commit, not a hash (git sources)."""
        return tuple(p.name for p in self.packages if not p.hashes)

    @property
    def versions(self) -> dict[str, str]:
        """name -> version, for rebuild reasons."""
        return {p.name: p.version for p in self.packages}


def environment(python: str, machine: str) -> dict[str, str]:
    """The PEP 508 marker environment of CPython `python` (X.Y.Z) on Linux `machine`."""
    return {
        "implementation_name": "cpython", "implementation_version": python, "os_name": "posix",
        "platform_machine": machine, "platform_python_implementation": "CPython",
        "platform_release": "", "platform_system": "Linux", "platform_version": "",
        "python_full_version": python, "python_version": ".".join(python.split(".")[:2]),
        "sys_platform": "linux", "extra": "",
    }  # fmt: skip


def applies(dep: Dependency, env: Mapping[str, str]) -> bool:
    """Whether a lock edge is taken in `env`."""
    return dep.marker is None or Marker(dep.marker).evaluate(dict(env))


def resolve(uv: UvWorkspace, dep: Dependency, parent: LockedPackage) -> LockedPackage:
    """The locked package an edge points at (by version where the lock holds several)."""
    candidates = [p for p in uv.by_name(dep.name) if dep.version in (None, p.version)]
    if len(candidates) != 1:
        found = "no" if not candidates else "several"
        raise LoadError(
            f"{parent.name} needs {dep.name}, and uv.lock has {found} matching package:"
            " run `uv lock`", file=uv.lock_file, line=parent.line, key="package.dependencies",
        )  # fmt: skip
    return candidates[0]


@attrs.frozen
class Reached:
    """What a member needs in one environment: locked packages to install, members to build."""

    packages: dict[tuple[str, str], LockedPackage]
    members: frozenset[str]


def walk(uv: UvWorkspace, member: str, extras: Iterable[str], env: Mapping[str, str]) -> Reached:
    """The packages `member` needs in `env` (its dependencies and `extras`, never its dependency
    groups), through the internal members it needs."""
    roots = [p for p in uv.by_name(member) if p.source is SourceKind.WORKSPACE]
    if not roots:
        raise LoadError(
            f"uv.lock has no package for member {member}: run `uv lock`", file=uv.lock_file
        )
    root = roots[0]
    edges = list(root.dependencies)
    for extra in extras:
        if extra not in root.optional:
            raise LoadError(
                f"member {member} has no extra {extra!r}", file=uv.lock_file, line=root.line
            )
        edges += root.optional[extra]
    found: dict[tuple[str, str], LockedPackage] = {}
    members: set[str] = set()
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    queue = [(root, dep) for dep in edges]
    while queue:
        parent, dep = queue.pop()
        if not applies(dep, env):
            continue
        package = resolve(uv, dep, parent)
        if (package.name, package.version, dep.extras) in seen:
            continue
        seen.add((package.name, package.version, dep.extras))
        if package.source is not SourceKind.WORKSPACE:
            found[(package.name, package.version)] = package
        elif package.name != member:
            members.add(package.name)
        more = list(package.dependencies)
        for extra in dep.extras:
            more += package.optional.get(extra, ())
        queue += [(package, d) for d in more]
    return Reached(found, frozenset(members))


def make_slice(
    uv: UvWorkspace,
    member: str,
    extras: tuple[str, ...],
    python: str,
    platforms: tuple[str, ...],
    where: str,
) -> LockSlice:
    """The slice of `member` on CPython `python` (X.Y, or X.Y.Z when declared) for the
    image's platforms. With X.Y only, a marker that tells patch releases apart is an error:
    `where` names the interpreter target to declare the release on."""
    machines = [MACHINES.get(p.split("/")[1], p.split("/")[1]) for p in platforms]
    per_machine: dict[tuple[str, str], set[str]] = {}
    members: set[str] = set()
    for machine in machines:
        if python.count(".") == 2:
            reached = walk(uv, member, extras, environment(python, machine))
        else:
            reached = walk(uv, member, extras, environment(f"{python}.0", machine))
            latest = walk(uv, member, extras, environment(f"{python}.{LATEST_PATCH}", machine))
            if reached.packages.keys() != latest.packages.keys():
                moved = sorted(reached.packages.keys() ^ latest.packages.keys())[0]
                raise LoadError(
                    f"uv.lock picks {moved[0]} {moved[1]} on some CPython {python} releases"
                    f" only: declare the full release (release = \"{python}.N\") on {where}",
                    file=uv.lock_file, key="package.dependencies",
                )  # fmt: skip
        members |= reached.members
        for key in reached.packages:
            per_machine.setdefault(key, set()).add(machine)
    packages = []
    for (name, version), on in sorted(per_machine.items()):
        locked = uv.packages[(name, version)]
        only = () if len(on) == len(set(machines)) else tuple(sorted(on))
        packages.append(
            SlicedPackage(name, version, pin_url(locked, uv.lock_file), locked.hashes, only)
        )
    internal = uv.install_order(members)
    in_slice = [uv.packages[key] for key in sorted(per_machine)]
    compiles = builds_from_source(in_slice, python, sorted(set(machines)))
    return LockSlice(member, internal, python, tuple(platforms), tuple(packages), compiles)


def pin_url(locked: LockedPackage, lock_file: str = UV_LOCK) -> str | None:
    """The direct reference a slice pins a package by: its URL, `git+URL@commit` (the commit
    uv.lock pins), or None for an index package. A local path outside the members is refused."""
    if locked.source is SourceKind.URL:
        return locked.url
    if locked.source is SourceKind.GIT:
        assert locked.url is not None
        base, _, commit = locked.url.partition("#")
        repository, _, query = base.partition("?")
        subdirectory = [q for q in query.split("&") if q.startswith("subdirectory=")]
        tail = f"#{subdirectory[0]}" if subdirectory else ""
        return f"git+{repository}@{commit}{tail}"
    if locked.source is SourceKind.PATH:
        raise LoadError(
            f"{locked.name} comes from the local path {locked.url!r}, which is not a workspace"
            " member: make it a member (uv add it to [tool.uv.workspace]) so an image can build it",
            file=lock_file, line=locked.line, key="package.source",
        )  # fmt: skip
    return None


def render_slice(lock_slice: LockSlice, label: str) -> str:
    """The slice as a requirements file uv and pip install with --require-hashes."""
    internal = ", ".join(lock_slice.internal) or "none"
    lines = [
        f"{SLICE_HEADER}{label} installs: member {lock_slice.member}, internal members {internal},",
        f"# CPython {lock_slice.python} on {', '.join(lock_slice.platforms)}. Written by"
        " `graphbuild emit` from uv.lock; do not edit.",
    ]
    for package in lock_slice.packages:
        marker = " or ".join(f"platform_machine == '{m}'" for m in package.machines)
        pin = f"{package.pin}{' ; ' + marker if marker else ''}"
        if not package.hashes:  # a git source: the commit pins it, no hash to check
            lines.append(pin)
            continue
        lines.append(f"{pin} \\")
        lines += [f"    --hash={h} \\" for h in package.hashes[:-1]]
        lines.append(f"    --hash={package.hashes[-1]}")
    return "\n".join(lines) + "\n"

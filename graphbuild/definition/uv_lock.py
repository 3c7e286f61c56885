"""Reading uv.lock (lock version 1): the workspace's members with their folders and the
edges uv resolved between them, and every locked package with its source, dependencies,
extras, groups and hashes. The lock is uv's answer, taken as it is: nothing here calls it
stale (`uv lock --check` is the judge of that)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from packaging.utils import canonicalize_name

from graphbuild.core.errors import LoadError
from graphbuild.core.paths import leaves
from graphbuild.core.uv import UV_LOCK, Dependency, LockedPackage, SourceKind

LOCK_VERSIONS = (1,)
LOCAL_SOURCES = ("editable", "virtual", "directory", "path")
Errors = list[LoadError]


@attrs.frozen
class LockedMember:
    """A member as uv.lock has it: its folder, version and the members it needs."""

    name: str
    path: str  # workspace-relative, "" for the root
    version: str | None
    internal: tuple[str, ...]  # members named by its dependencies and extras (not its groups)
    packaged: bool  # False for a virtual project
    line: int | None


def package_lines(text: str) -> list[int]:
    """The line of each `[[package]]` header, in order."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[package]]"]


def read_lock(
    data: Mapping[str, Any], text: str, errors: Errors
) -> tuple[list[LockedMember], dict[tuple[str, str], LockedPackage], str | None]:
    """uv.lock's members and packages (`data`: its parsed `text`); problems go to `errors`."""
    version = data.get("version")
    if version not in LOCK_VERSIONS:
        raise LoadError(
            f"unsupported uv.lock version {version!r} (graphbuild reads version 1, written by"
            " uv 0.5 and later)", file=UV_LOCK, line=1, key="version",
        )  # fmt: skip
    names: set[str] = {
        canonicalize_name(str(m)) for m in data.get("manifest", {}).get("members", [])
    }
    lines = package_lines(text)
    raws = data.get("package", [])
    if not isinstance(raws, list):
        raise LoadError("expected [[package]] tables", file=UV_LOCK, key="package")
    if not names:  # a single project: the package at the root
        names = {
            canonicalize_name(str(r.get("name")))
            for r in raws
            if isinstance(r, dict) and local_root(r.get("source"))
        }
    packages: dict[tuple[str, str], LockedPackage] = {}
    members: list[LockedMember] = []
    failed: set[str] = set()  # packages already reported
    for i, raw in enumerate(raws):
        line = lines[i] if i < len(lines) else None

        def error(key: str, message: str, line: int | None = line) -> LoadError:
            return LoadError(message, file=UV_LOCK, line=line, key=f"package.{key}")

        try:
            package, member = read_package(raw, names, error)
        except LoadError as err:
            errors.append(err)
            failed.add(canonicalize_name(str(raw.get("name", ""))) if isinstance(raw, dict) else "")
            continue
        packages[(package.name, package.version)] = attrs.evolve(package, line=line)
        if member is not None:
            members.append(attrs.evolve(member, line=line))
    found = {m.name for m in members}
    for name in sorted(names - found - failed):
        errors.append(
            LoadError(
                f"uv.lock lists member {name} but has no package for it: run `uv lock`",
                file=UV_LOCK,
                line=table_line(text, "manifest"),
                key="manifest.members",
            )
        )
    return members, packages, data.get("requires-python")


def table_line(text: str, table: str) -> int | None:
    """The line of `[table]` in `text`."""
    header = f"[{table}]"
    return next((n for n, ln in enumerate(text.splitlines(), 1) if ln.strip() == header), None)


def local_root(source: Any) -> bool:
    """Whether a lock source is the workspace root itself (`editable = "."`, `virtual = "."`)."""
    return (
        isinstance(source, dict)
        and len(source) == 1
        and next(iter(source)) in ("editable", "virtual")
        and next(iter(source.values())) == "."
    )


def read_package(
    raw: Any, members: set[str], error: Callable[..., LoadError]
) -> tuple[LockedPackage, LockedMember | None]:
    """One `[[package]]` table, and the member it is when it is one."""
    if not isinstance(raw, dict):
        raise error("name", "expected a [[package]] table")
    name, version = raw.get("name"), raw.get("version", "")
    if not isinstance(name, str) or not isinstance(version, str):
        raise error("name", "every [[package]] needs a name and a version string")
    name = canonicalize_name(name)
    source = raw.get("source", {})
    if not isinstance(source, dict) or len(source) != 1:
        raise error("source", f"{name}: expected a source table with one key")
    kind, where = next(iter(source.items()))
    member = None
    if name in members and kind in LOCAL_SOURCES:
        source_kind, url = SourceKind.WORKSPACE, None
        member = locked_member(raw, name, version, kind, str(where), members, error)
    elif kind in LOCAL_SOURCES:
        source_kind, url = SourceKind.PATH, str(where)
    elif kind == "git":
        source_kind, url = SourceKind.GIT, str(where)
    elif kind in ("registry", "url"):
        source_kind, url = SourceKind(kind), str(where)
    else:
        raise error("source", f"{name} {version}: unknown source kind {kind!r}")
    sdist = raw.get("sdist", {})
    wheels = raw.get("wheels", [])
    if not isinstance(sdist, dict) or not isinstance(wheels, list):
        raise error("wheels", f"{name} {version}: expected an sdist table and a wheels list")
    files = [sdist, *wheels]
    hashes = [f["hash"] for f in files if isinstance(f, dict) and isinstance(f.get("hash"), str)]
    wheel_names = [wheel_name(w) for w in wheels if isinstance(w, dict)]
    package = LockedPackage(
        name=name,
        version=version,
        source=source_kind,
        url=url,
        dependencies=dependencies(raw.get("dependencies", []), error),
        optional={
            canonicalize_name(k): dependencies(v, error)
            for k, v in sorted(table(raw, "optional-dependencies", error).items())
        },
        groups={
            canonicalize_name(k): dependencies(v, error)
            for k, v in sorted(table(raw, "dev-dependencies", error).items())
        },
        hashes=tuple(sorted(set(hashes))),
        wheels=tuple(sorted(n for n in wheel_names if n)),
        sdist=bool(sdist),
    )
    return package, member


def wheel_name(wheel: Mapping[str, Any]) -> str:
    """A locked wheel's file name (the last part of its url, or its path)."""
    where = wheel.get("url") or wheel.get("path") or wheel.get("filename") or ""
    return str(where).rsplit("/", 1)[-1].split("#", 1)[0]


def table(raw: Mapping[str, Any], key: str, error: Callable[..., LoadError]) -> dict[str, Any]:
    """A sub-table of a package, or the error."""
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise error(key, "expected a table")
    return value


def locked_member(
    raw: Mapping[str, Any], name: str, version: str, kind: str, where: str,
    members: set[str], error: Callable[..., LoadError],
) -> LockedMember:  # fmt: skip
    """A member's folder (checked to lie inside the workspace) and its edges to members."""
    path = posixpath.normpath(where.replace("\\", "/"))
    if leaves(path):
        raise error("source", f"member {name} lies in {where!r}, outside the workspace")
    edges = list(dependencies(raw.get("dependencies", []), error))
    for values in table(raw, "optional-dependencies", error).values():
        edges += dependencies(values, error)
    internal = sorted({d.name for d in edges if d.name in members and d.name != name})
    return LockedMember(
        name=name,
        path="" if path == "." else path,
        version=version or None,
        internal=tuple(internal),
        packaged=kind != "virtual",
        line=None,
    )


def dependencies(values: Any, error: Callable[..., LoadError]) -> tuple[Dependency, ...]:
    """A lock dependency list: `{ name, version?, marker?, extra? }` tables."""
    if not isinstance(values, list):
        raise error("dependencies", "expected a list of tables")
    found = []
    for value in values:
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            raise error("dependencies", f"expected {{ name = … }}, got {value!r}")
        found.append(
            Dependency(
                name=canonicalize_name(value["name"]),
                version=value.get("version"),
                marker=value.get("marker"),
                extras=tuple(sorted(canonicalize_name(e) for e in value.get("extra", []))),
            )
        )
    return tuple(found)

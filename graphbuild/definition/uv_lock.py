"""Reading uv.lock (lock version 1) into LockedPackages, and checking that it still matches
the members' pyproject.toml files (else `uv lock` is needed)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from graphbuild.core.errors import LoadError
from graphbuild.core.uv import UV_LOCK, Dependency, LockedPackage, Member, SourceKind, UvWorkspace
from graphbuild.definition.toml import table_key_line

LOCK_VERSIONS = (1,)
WORKSPACE_SOURCES = ("editable", "virtual", "directory")


def package_lines(text: str) -> list[int]:
    """The line of each `[[package]]` header, in order."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[package]]"]


def read_lock(data: Mapping[str, Any], text: str, members: Mapping[str, Member]) -> UvWorkspace:
    """uv.lock's packages (`data`: its parsed `text`), checked: a known lock version, the
    members uv locked are the workspace's, every package from a source a slice can pin."""
    version = data.get("version")
    if version not in LOCK_VERSIONS:
        raise LoadError(
            f"unsupported uv.lock version {version!r} (graphbuild reads version 1, written by"
            " uv 0.5 and later)", file=UV_LOCK, line=1, key="version",
        )  # fmt: skip
    locked_members = sorted(
        canonicalize_name(m) for m in data.get("manifest", {}).get("members", [])
    )
    if (len(members) > 1 or locked_members) and locked_members != sorted(members):
        raise LoadError(
            f"uv.lock was made for members {', '.join(locked_members) or '(none)'}, the"
            f" workspace has {', '.join(sorted(members))}: run `uv lock`",
            file=UV_LOCK, line=table_key_line(text, "manifest.members"), key="manifest.members",
        )  # fmt: skip
    lines = package_lines(text)
    packages: dict[tuple[str, str], LockedPackage] = {}
    for i, raw in enumerate(data.get("package", [])):
        line = lines[i] if i < len(lines) else None
        package = read_package(raw, line, members)
        packages[(package.name, package.version)] = package
    requires = data.get("requires-python")
    return UvWorkspace(members=dict(members), packages=packages, requires_python=requires)


def read_package(
    raw: Mapping[str, Any], line: int | None, members: Mapping[str, Member]
) -> LockedPackage:
    """One `[[package]]` table."""

    def error(key: str, message: str) -> LoadError:
        return LoadError(message, file=UV_LOCK, line=line, key=f"package.{key}")

    name, version = raw.get("name"), raw.get("version", "")
    if not isinstance(name, str) or not isinstance(version, str):
        raise error("name", "every [[package]] needs a name and a version string")
    name = canonicalize_name(name)
    source = raw.get("source", {})
    if not isinstance(source, dict) or len(source) != 1:
        raise error("source", f"{name}: expected a source table with one key")
    kind, where = next(iter(source.items()))
    if kind in WORKSPACE_SOURCES:
        if name not in members:
            raise error(
                "source", f"{name} comes from {where!r}, which is not a workspace member: lock"
                " slices pin index and URL packages only",
            )  # fmt: skip
        source_kind, url = SourceKind.WORKSPACE, None
    elif kind in ("registry", "url"):
        source_kind, url = SourceKind(kind), str(where)
    else:
        raise error(
            "source", f"{name} {version} comes from a {kind} source, which cannot be pinned by"
            " hash: lock slices support index (registry) and URL sources",
        )  # fmt: skip
    hashes = [f["hash"] for f in [raw.get("sdist", {}), *raw.get("wheels", [])] if "hash" in f]
    if source_kind is not SourceKind.WORKSPACE and not hashes:
        raise error("wheels", f"{name} {version} has no hashes in uv.lock: run `uv lock`")
    return LockedPackage(
        name=name,
        version=version,
        source=source_kind,
        url=url,
        dependencies=dependencies(raw.get("dependencies", []), error),
        optional={
            canonicalize_name(k): dependencies(v, error)
            for k, v in sorted(raw.get("optional-dependencies", {}).items())
        },
        groups={
            canonicalize_name(k): dependencies(v, error)
            for k, v in sorted(raw.get("dev-dependencies", {}).items())
        },
        hashes=tuple(sorted(set(hashes))),
        line=line,
    )


def dependencies(values: Any, error: Any) -> tuple[Dependency, ...]:
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


def check_lock_matches(
    uv: UvWorkspace,
    data: Mapping[str, Any],
    text: str,
    requirements: Mapping[str, Mapping[str, tuple[Requirement, ...]]],
) -> None:
    """Each member's locked metadata lists the requirements its pyproject.toml declares (names,
    extras and version specifiers), else the lock is stale."""
    lines = package_lines(text)
    for i, raw in enumerate(data.get("package", [])):
        name = canonicalize_name(raw.get("name", ""))
        if name not in uv.members:
            continue
        metadata = raw.get("metadata", {})
        locked = {req_key(r) for r in metadata.get("requires-dist", [])}
        for group, reqs in metadata.get("requires-dev", {}).items():
            locked |= {(f"group:{canonicalize_name(group)}", *req_key(r)[1:]) for r in reqs}
        declared = set()
        for where, reqs in requirements[name].items():
            for req in reqs:
                extra = where if where and not where.startswith("group:") else ""
                scope = where if where.startswith("group:") else ""
                declared.add((scope, canonicalize_name(req.name), str(req.specifier), extra))
        locked_cmp = {(scope, n, s, "") for scope, n, s, _ in locked}
        declared_cmp = {(scope, n, s, "") for scope, n, s, _ in declared}
        if locked_cmp != declared_cmp:
            moved = sorted(declared_cmp ^ locked_cmp)[0]
            what = f"{moved[1]}{moved[2]}" + (f" (in {moved[0]})" if moved[0] else "")
            in_lock = (
                "locked but no longer declared"
                if moved in locked_cmp
                else "declared but not locked"
            )
            raise LoadError(
                f"uv.lock is out of date for member {name}: {what} is {in_lock}: run `uv lock`",
                file=UV_LOCK, line=lines[i] if i < len(lines) else None, key="package.metadata",
            )  # fmt: skip
        version = uv.members[name].version
        if version is not None and raw.get("version") not in (None, version):
            raise LoadError(
                f"uv.lock has {name} {raw.get('version')}, its pyproject.toml {version}: run"
                " `uv lock`", file=UV_LOCK, line=lines[i] if i < len(lines) else None,
                key="package.version",
            )  # fmt: skip


def req_key(raw: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """(scope, name, specifier, extra) of a locked requirement, comparable with a declared one."""
    specifier = raw.get("specifier", "")
    with contextlib.suppress(InvalidSpecifier):
        specifier = str(SpecifierSet(specifier))
    return ("", canonicalize_name(raw.get("name", "")), specifier, "")

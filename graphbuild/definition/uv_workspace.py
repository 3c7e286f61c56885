"""Reading a uv workspace: the root pyproject.toml's `[tool.uv.workspace]`, each member's
pyproject.toml and the uv.lock, checked strictly (one LoadError naming file, line and key)."""

from __future__ import annotations

import bisect
import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from graphbuild.core.errors import LoadError
from graphbuild.core.uv import ROOT_PYPROJECT, UV_LOCK, Member, UvWorkspace
from graphbuild.definition.toml import parse_toml, table_key_line
from graphbuild.definition.uv_lock import check_lock_matches, read_lock

Read = Callable[[str], str | None]  # a workspace-relative path -> its text, None if absent


def load_uv_workspace(read: Read, files: Iterable[str]) -> UvWorkspace | None:
    """The uv workspace rooted at the workspace root, or None when its pyproject.toml has no
    `[tool.uv.workspace]`; `files` are the workspace's file paths (to find the members)."""
    text = read(ROOT_PYPROJECT)
    if text is None:
        return None
    data = parse_toml(text, ROOT_PYPROJECT)
    table = data.get("tool", {}).get("uv", {}).get("workspace")
    if table is None:
        return None

    def error(key: str, message: str) -> LoadError:
        return LoadError(message, file=ROOT_PYPROJECT, line=table_key_line(text, key), key=key)

    if not isinstance(table, dict):
        raise error("tool.uv.workspace", "expected a table")
    globs = string_list(table.get("members", []), lambda m: error("tool.uv.workspace.members", m))
    exclude = string_list(table.get("exclude", []), lambda m: error("tool.uv.workspace.exclude", m))
    for key in table:
        if key not in ("members", "exclude"):
            raise error(f"tool.uv.workspace.{key}", "unknown key (members, exclude)")
    listing = Listing(files)
    folders = member_folders(globs, exclude, listing.files, error)
    if "project" in data:
        folders = ["", *folders]
    sources = Pyprojects(read)
    members: dict[str, Member] = {}
    for folder in folders:
        member = read_member(folder, sources, listing)
        if member.name in members:
            line = table_key_line(sources.text(member.pyproject), "project.name")
            raise LoadError(
                f"project name {member.name!r} is also that of {members[member.name].pyproject}",
                file=member.pyproject, line=line, key="project.name",
            )  # fmt: skip
        members[member.name] = member
    requirements = {m.name: read_requirements(m, sources) for m in members.values()}
    check_sources(members, requirements, sources)
    check_cycles(members, sources)
    lock_text = read(UV_LOCK)
    if lock_text is None:
        raise LoadError(
            "the uv workspace has no uv.lock: run `uv lock` and check it in", file=UV_LOCK
        )
    lock_data = parse_toml(lock_text, UV_LOCK)
    uv = read_lock(lock_data, lock_text, members)
    check_lock_matches(uv, lock_data, lock_text, requirements)
    return uv


class Pyprojects:
    """Each member's pyproject.toml, read and parsed once however many checks look at it."""

    def __init__(self, read: Read) -> None:
        self.read = read
        self.parsed: dict[str, tuple[str, dict[str, Any]]] = {}

    def text(self, path: str) -> str:
        """Its text ('' when it is not there)."""
        return self.get(path)[0]

    def get(self, path: str) -> tuple[str, dict[str, Any]]:
        """Its text and tables."""
        if path not in self.parsed:
            text = self.read(path) or ""
            self.parsed[path] = (text, parse_toml(text, path))
        return self.parsed[path]


class Listing:
    """The workspace's files, as a set and sorted (a folder's presence by bisection, not a
    scan of every file per member)."""

    def __init__(self, files: Iterable[str]) -> None:
        self.files = set(files)
        self.ordered = sorted(self.files)

    def has_folder(self, folder: str) -> bool:
        """Whether some file lies below `folder` (no trailing slash)."""
        prefix = folder + "/"
        at = bisect.bisect_left(self.ordered, prefix)
        return at < len(self.ordered) and self.ordered[at].startswith(prefix)


def string_list(value: Any, error: Callable[[str], LoadError]) -> list[str]:
    """A list of strings, or the error."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise error("expected a list of strings")
    return value


def member_folders(
    globs: list[str], exclude: list[str], files: set[str], error: Callable[[str, str], LoadError]
) -> list[str]:
    """The folders the member globs name (segment-wise, as uv's glob does), less the excluded."""
    folders = sorted({f.rpartition("/")[0] for f in files if f.endswith("/pyproject.toml")})
    found: list[str] = []
    for glob in globs:
        clean = glob.strip("/").removeprefix("./")
        if clean.startswith("../") or clean.startswith("/") or ".." in clean.split("/"):
            raise error("tool.uv.workspace.members", f"member {glob!r} is outside the workspace")
        matched = [f for f in folders if segments_match(clean, f)]
        if not any(c in clean for c in "*?[") and not matched:
            raise error("tool.uv.workspace.members", f"member {glob!r} has no pyproject.toml")
        found += [f for f in matched if not any(segments_match(x.strip("/"), f) for x in exclude)]
    return sorted(set(found))


def segments_match(glob: str, folder: str) -> bool:
    """fnmatch per path segment: `*` never crosses a `/`."""
    parts, names = glob.split("/"), folder.split("/")
    return len(parts) == len(names) and all(
        fnmatch.fnmatchcase(n, p) for p, n in zip(parts, names, strict=True)
    )


def read_member(folder: str, sources: Pyprojects, listing: Listing) -> Member:
    """One member's pyproject.toml: name, version, scripts, internal dependencies, files."""
    file = f"{folder}/pyproject.toml" if folder else ROOT_PYPROJECT
    text, data = sources.get(file)

    def error(key: str, message: str) -> LoadError:
        return LoadError(message, file=file, line=table_key_line(text, key), key=key)

    project = data.get("project")
    if not isinstance(project, dict):
        raise error("project", "a workspace member needs a [project] table")
    name = project.get("name")
    if not isinstance(name, str) or not re.fullmatch(
        r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", name
    ):
        raise error("project.name", f"expected a project name, got {name!r}")
    version = project.get("version")
    if version is not None and not isinstance(version, str):
        raise error("project.version", "expected a string")
    scripts = project.get("scripts", {})
    if not isinstance(scripts, dict) or not all(
        isinstance(v, str) and re.fullmatch(r"[\w.]+:[\w.]+", v) for v in scripts.values()
    ):
        raise error("project.scripts", 'expected name = "module:function" entries')
    sources = data.get("tool", {}).get("uv", {}).get("sources", {})
    if not isinstance(sources, dict):
        raise error("tool.uv.sources", "expected a table")
    internal = []
    for dep, source in sources.items():
        if not isinstance(source, dict):
            raise error(f"tool.uv.sources.{dep}", "expected a table such as { workspace = true }")
        if source.get("workspace") is True:
            internal.append(canonicalize_name(dep))
    module = canonicalize_name(name).replace("-", "_")
    prefix = f"{folder}/" if folder else ""
    code = [d for d in ("src", module) if listing.has_folder(f"{prefix}{d}")]
    readme = project.get("readme")
    extra = [readme] if isinstance(readme, str) and f"{prefix}{readme}" in listing.files else []
    return Member(
        name=canonicalize_name(name),
        path=folder,
        version=version,
        internal=tuple(sorted(internal)),
        scripts=dict(sorted(scripts.items())),
        files=("pyproject.toml", *extra, *(f"{d}/" for d in code[:1])),
    )


def read_requirements(member: Member, sources: Pyprojects) -> Mapping[str, tuple[Requirement, ...]]:
    """A member's requirements by where they are declared: "" for `dependencies`, the extra's
    name for optional ones, `group:NAME` for a dependency group."""
    text, data = sources.get(member.pyproject)
    project = data["project"]

    def parse(values: Any, key: str) -> tuple[Requirement, ...]:
        line = table_key_line(text, key)
        if not isinstance(values, list):
            raise LoadError(
                "expected a list of requirements", file=member.pyproject, line=line, key=key
            )
        found = []
        for value in values:
            if isinstance(value, dict) and key.startswith("dependency-groups"):
                continue  # { include-group = … }: uv expands it; its own group is read too
            try:
                found.append(Requirement(value))
            except (InvalidRequirement, TypeError) as err:
                raise LoadError(
                    f"invalid requirement {value!r}: {str(err).splitlines()[0]}",
                    file=member.pyproject,
                    line=line,
                    key=key,
                ) from None
        return tuple(found)

    found = {"": parse(project.get("dependencies", []), "project.dependencies")}
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, dict):
        raise LoadError(
            "expected a table", file=member.pyproject, key="project.optional-dependencies"
        )
    for extra, values in optional.items():
        found[canonicalize_name(extra)] = parse(values, f"project.optional-dependencies.{extra}")
    groups = data.get("dependency-groups", {})
    if not isinstance(groups, dict):
        raise LoadError("expected a table", file=member.pyproject, key="dependency-groups")
    for group, values in groups.items():
        found[f"group:{canonicalize_name(group)}"] = parse(values, f"dependency-groups.{group}")
    return found


def check_sources(
    members: Mapping[str, Member],
    requirements: Mapping[str, Mapping[str, tuple[Requirement, ...]]],
    sources: Pyprojects,
) -> None:
    """Every `workspace = true` source names a member, and every dependency on a member has
    one (uv would not resolve it to the member otherwise)."""
    for member in members.values():
        text = sources.text(member.pyproject)
        for dep in member.internal:
            if dep not in members:
                key = f"tool.uv.sources.{dep}"
                names = ", ".join(sorted(members))
                raise LoadError(
                    f"{dep!r} is not a member of the workspace (members: {names})",
                    file=member.pyproject, line=table_key_line(text, key), key=key,
                )  # fmt: skip
        for requirement in requirements[member.name][""]:
            name = canonicalize_name(requirement.name)
            if name in members and name not in member.internal:
                key = "project.dependencies"
                raise LoadError(
                    f"depends on workspace member {name!r} without a source: add"
                    f" {name} = {{ workspace = true }} under [tool.uv.sources]",
                    file=member.pyproject, line=table_key_line(text, key), key=key,
                )  # fmt: skip


def check_cycles(members: Mapping[str, Member], sources: Pyprojects) -> None:
    """Members must not depend on each other in a circle."""
    state: dict[str, int] = {}  # 1: being visited, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in members[name].internal:
            if state.get(dep) == 1:
                cycle = [*path[path.index(dep) :], dep] if dep in path else [name, dep]
                key = f"tool.uv.sources.{dep}"
                line = table_key_line(sources.text(members[name].pyproject), key)
                raise LoadError(
                    f"workspace members depend on each other in a cycle: {' -> '.join(cycle)}",
                    file=members[name].pyproject, line=line, key=key,
                )  # fmt: skip
            if state.get(dep) is None:
                visit(dep, [*path, dep])
        state[name] = 2

    for name in sorted(members):
        if state.get(name) is None:
            visit(name, [name])

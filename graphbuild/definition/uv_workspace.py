"""Reading a uv workspace as uv resolved it: its members, their folders and the edges between
them come from uv.lock (uv is the authority: nothing here re-derives uv's rules from pyproject
files); each member's pyproject.toml adds only its entry points and build backend. Every
problem found is reported in one LoadErrors, each naming its file, line and key."""

from __future__ import annotations

import bisect
import contextlib
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from graphbuild.core.errors import LoadError, LoadErrors
from graphbuild.core.uv import ROOT_PYPROJECT, UV_LOCK, Member, UvWorkspace
from graphbuild.definition.toml import parse_toml, table_key_line
from graphbuild.definition.uv_lock import LockedMember, read_lock

Read = Callable[[str], str | None]  # a workspace-relative path -> its text, None if absent
SCRIPT_RE = re.compile(r"[\w.]+:[\w.]+\Z")
NOT_SENT = frozenset({"BUILD.toml"})  # graphbuild's own file: no build backend reads it


def load_uv_workspace(read: Read, files: Iterable[str], folder: str = ".") -> UvWorkspace | None:
    """The uv workspace rooted in `folder` (root-relative, "." for the root: a
    `[tool.uv.workspace]`, or a single project with a uv.lock), or None when there is none;
    `files` are the workspace's files. Member paths in the result are root-relative."""
    pyproject, lock_file = in_folder(folder, ROOT_PYPROJECT), in_folder(folder, UV_LOCK)
    text = read(pyproject)
    if text is None:
        return None
    data = parse_toml(text, pyproject)
    table = data.get("tool", {}).get("uv", {}).get("workspace")
    lock_text = read(lock_file)
    if table is None and (lock_text is None or "project" not in data):
        return None
    if table is not None and not isinstance(table, dict):
        raise LoadError(
            "expected a table", file=pyproject,
            line=table_key_line(text, "tool.uv.workspace"), key="tool.uv.workspace",
        )  # fmt: skip
    if lock_text is None:
        raise LoadError(
            "the uv workspace has no uv.lock: run `uv lock` and check it in", file=lock_file
        )
    errors: list[LoadError] = []
    try:
        locked, packages, requires = read_lock(parse_toml(lock_text, lock_file), lock_text, errors)
    except LoadError as err:
        raise in_lock_file(err, lock_file) from None
    errors = [in_lock_file(err, lock_file) for err in errors]
    locked = [attrs.evolve(m, path=in_folder(folder, m.path)) for m in locked]
    listing = Listing(files)
    members = {}
    folders = {m.path for m in locked}
    for entry in locked:
        member = read_member(entry, read, listing, folders, errors, lock_file)
        if member is not None:
            members[member.name] = member
    if errors:
        raise LoadErrors(errors)
    return UvWorkspace(
        members=members, packages=packages, requires_python=requires, lock_file=lock_file
    )


def in_folder(folder: str, path: str) -> str:
    """`path` of the uv workspace in `folder`, root-relative ("" for the root itself)."""
    joined = posixpath.normpath(posixpath.join(folder, path)) if path else folder
    return "" if joined == "." else joined


def in_lock_file(err: LoadError, lock_file: str) -> LoadError:
    """An error about uv.lock, naming the file where the lock is."""
    if err.file == UV_LOCK:
        err.file = lock_file
    return err


class Listing:
    """The workspace's files, sorted: a folder's files by bisection, not a scan per member."""

    def __init__(self, files: Iterable[str]) -> None:
        self.ordered = sorted(set(files))

    def below(self, folder: str) -> list[str]:
        """The files below `folder` ("" for all), relative to it."""
        if not folder:
            return list(self.ordered)
        prefix = folder + "/"
        at = bisect.bisect_left(self.ordered, prefix)
        found = []
        while at < len(self.ordered) and self.ordered[at].startswith(prefix):
            found.append(self.ordered[at][len(prefix) :])
            at += 1
        return found


def folder_cover(files: list[str], skip: set[str]) -> tuple[str, ...]:
    """The fewest paths (files, and folders ending in "/") that cover `files` (relative
    paths) but no path below a folder in `skip` (relative, e.g. a nested member)."""
    if not skip:
        tops = {f.split("/", 1)[0] + ("/" if "/" in f else "") for f in files}
        return tuple(sorted(t for t in tops if t not in NOT_SENT))
    covered: list[str] = []
    groups: dict[str, list[str]] = {}
    for path in files:
        head, sep, rest = path.partition("/")
        if not sep:
            if head not in NOT_SENT:
                covered.append(head)
        elif head not in skip:
            groups.setdefault(head, []).append(rest)
    for head, inner in sorted(groups.items()):
        below = {s[len(head) + 1 :] for s in skip if s.startswith(head + "/")}
        if not below:
            covered.append(head + "/")
        else:
            covered += [f"{head}/{p}" for p in folder_cover(inner, below)]
    return tuple(sorted(covered))


def read_member(
    entry: LockedMember,
    read: Read,
    listing: Listing,
    folders: set[str],
    errors: list[LoadError],
    lock_file: str = UV_LOCK,
) -> Member | None:
    """One member: its lock entry, plus its pyproject.toml's scripts and build backend."""
    file = posixpath.join(entry.path, ROOT_PYPROJECT) if entry.path else ROOT_PYPROJECT
    text = read(file)
    if text is None:
        errors.append(
            LoadError(
                f"uv.lock names member {entry.name} in {entry.path or '.'}, which has no"
                " pyproject.toml: run `uv lock`",
                file=lock_file,
                line=entry.line,
                key="package.source",
            )
        )
        return None
    try:
        data = parse_toml(text, file)
    except LoadError as err:
        errors.append(err)
        return None
    project = data.get("project")
    project = project if isinstance(project, dict) else {}
    nested = {
        f[len(entry.path) + 1 :] if entry.path else f
        for f in folders
        if f != entry.path and (not entry.path or f.startswith(entry.path + "/"))
    }
    backend = data.get("build-system", {}).get("build-backend")
    return Member(
        name=entry.name,
        path=entry.path,
        version=entry.version,
        internal=entry.internal,
        scripts=scripts_of(project),
        files=folder_cover(listing.below(entry.path), nested),
        packaged=entry.packaged,
        backend=backend if isinstance(backend, str) else None,
        outside=files_outside(project),
        build_requires=build_requires(data.get("build-system", {})),
    )


def build_requires(table: Any) -> tuple[str, ...]:
    """The names of what the build backend needs ([build-system] requires), normalized."""
    found = []
    for value in table.get("requires", []) if isinstance(table, dict) else []:
        with contextlib.suppress(InvalidRequirement, TypeError):
            found.append(canonicalize_name(Requirement(value).name))
    return tuple(sorted(found))


def files_outside(project: Mapping[str, Any]) -> tuple[str, ...]:
    """The readme and license files [project] names outside the member's folder (a backend
    builds from the folder alone: hatchling refuses them, an image cannot hold them)."""
    named = [project.get("readme"), project.get("license")]
    paths = [n if isinstance(n, str) else n.get("file") if isinstance(n, dict) else None
             for n in named]  # fmt: skip
    license_text = project.get("license")
    if isinstance(license_text, str):  # an SPDX expression, not a path
        paths[1] = None
    return tuple(p for p in paths if isinstance(p, str) and posixpath.normpath(p).startswith("../"))


def scripts_of(project: Mapping[str, Any]) -> Mapping[str, str]:
    """[project.scripts] entries of the `module:function` form, sorted (uv validated the
    file when it locked it; another form is not a script graphbuild can call)."""
    scripts = project.get("scripts", {})
    if not isinstance(scripts, dict):
        return {}
    return {
        name: value.strip()
        for name, value in sorted(scripts.items())
        if isinstance(value, str) and SCRIPT_RE.match(value.strip())
    }

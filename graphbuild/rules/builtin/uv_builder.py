"""The builder a `python_app` with `project` gets: its lock slice installed with hashes
required, then each internal library, non-editable, in dependency order (each built in a stage
of its own, `#lib-NAME`, and copied in); and `#member`, the member itself installed as a
package into a prefix the runtime merges into the venv last."""

from __future__ import annotations

import posixpath
import re

from packaging.utils import canonicalize_name

from graphbuild.core.errors import LoadError
from graphbuild.core.labels import parse_label
from graphbuild.core.model import Generated, Target
from graphbuild.core.uv import Member, SourceKind, UvWorkspace
from graphbuild.definition.lock_slice import LockSlice, make_slice, render_slice
from graphbuild.rules.api import Context
from graphbuild.rules.builder import StageBuilder
from graphbuild.rules.builtin.common import (
    apt_caches_of,
    apt_install,
    check_packages,
    safe_name,
    stage_label,
)
from graphbuild.rules.builtin.uv import (
    UV_CACHE,
    UV_ENV,
    check_buildable,
    copy_member,
    workspace_of,
)

UNKNOWN_VERSION = "0.0.0"
VCS_VERSIONING = {"setuptools-scm", "hatch-vcs", "uv-dynamic-versioning", "dunamai",
                  "poetry-dynamic-versioning", "versioningit", "pdm-backend"}  # fmt: skip
MEMBER_PREFIX = "/opt/member"  # the member's own install, merged into the venv by one COPY
LIBRARY_PREFIX = "/opt/library"  # an internal library's install, in its own stage
BUILDER, TOOLCHAIN = "builder", "toolchain"  # the stage with the whole venv; its first part


def project_member(target: Target, uv: UvWorkspace, project: str) -> Member:
    """The member whose folder `project` (package-relative) names."""
    folder = posixpath.normpath(posixpath.join(target.label.package, project)).strip("/")
    folder = "" if folder == "." else folder
    for member in uv.members.values():
        if member.path == folder:
            return member
    raise LoadError.at(
        target, "project", f"{folder or 'the root'} is not a member of the uv workspace"
        f" (members: {', '.join(sorted(m.path or '.' for m in uv.members.values()))})",
    )  # fmt: skip


def slice_file(
    target: Target, member: Member, context: Context, python: str, extras: tuple[str, ...]
) -> tuple[Generated, LockSlice]:
    """The image's lock slice, for the interpreter `python` names, and the file it is."""
    uv = workspace_of(target, context, "project")
    interpreter = context.facts_of(parse_label(python, target.label.package)).interpreter
    version = interpreter and (interpreter.release or interpreter.version)
    if not version:
        raise LoadError.at(
            target, "python", "a lock slice needs the interpreter's version: name a"
            " python_interpreter target",
        )  # fmt: skip
    root = next(p for p in uv.by_name(member.name) if p.source is SourceKind.WORKSPACE)
    chosen = tuple(canonicalize_name(e) for e in extras)
    for i, extra in enumerate(chosen):
        if extra not in root.optional:
            known = ", ".join(root.optional) or "none"
            raise LoadError.at(
                target, f"extras[{i}]", f"member {member.name} has no extra {extra!r} (its"
                f" extras in uv.lock: {known})",
            )  # fmt: skip
    lock = make_slice(uv, member.name, chosen, version, context.settings.platforms, python)
    label = str(target.label)
    path = f"{context.settings.lock_slices}/{safe_name(target)}.txt"
    text = render_slice(lock, label)
    return Generated(path, text, lock.versions, lock.compiles, lock.unhashed), lock


def uv_builder(
    target: Target, context: Context, python: str, project: str, uv: str | None,
    build_packages: tuple[str, ...], venv: str, extras: tuple[str, ...] = (),
) -> list[StageBuilder]:  # fmt: skip
    """#builder of a uv app: uv from its installer, the venv, the lock slice with hashes
    required, then each internal library (dependencies first), non-editable; and #member,
    the member itself installed into a prefix of its own (its layer alone moves on a source
    edit), unless it is a virtual project. Then the builder's first part, up to the empty venv,
    is a stage of its own (#toolchain: build packages, uv, the venv) that #builder, #member and
    each library's #lib-NAME are built FROM: they need the venv's interpreter, never its
    packages (--no-deps), so a lock move never re-runs a library's or the member's build, nor a
    library edit the member's; #builder copies each library's prefix into the venv."""
    workspace = workspace_of(target, context, "project")
    member = project_member(target, workspace, project)
    if uv is None:
        raise LoadError.at(target, "uv", "give uv: the label of a uv_installer target")
    uv_path = context.facts_of(parse_label(uv, target.label.package)).uv_path
    if uv_path is None:
        raise LoadError.at(target, "uv", f"{uv} is not a uv_installer target")
    lock_file, lock = slice_file(target, member, context, python, extras)
    first = TOOLCHAIN if member.packaged else BUILDER
    spec = StageBuilder(target, first, stage_label(python, target, "dev"))
    packages = check_packages(target, "build_packages", build_packages)
    if lock.unhashed and "git" not in packages:
        packages.append("git")  # uv clones git sources with git
    if packages:
        caches = apt_caches_of(context, python, target.label.package)
        apt_install(spec, "build_packages", packages, caches)
    spec.copy_from("uv", uv, uv_path, "/usr/local/bin/uv")
    spec.env("uv", UV_ENV)
    spec.run("project", f'uv venv --python "$(command -v python)" {venv}', UV_CACHE)
    stages = [spec]
    if first != BUILDER:
        stages.append(StageBuilder(target, BUILDER, str(target.label.with_stage(first))))
    libraries = stages[-1]
    libraries.copy_generated("project", lock_file, "/build/requirements.txt")
    hashes = "--verify-hashes" if lock.unhashed else "--require-hashes"
    libraries.run(
        "project",
        f"uv pip install --python {venv}/bin/python {hashes} --no-deps -r /build/requirements.txt",
        UV_CACHE,
    )
    built: list[StageBuilder] = []
    for name in lock.internal:
        library = workspace.members[name]
        check_buildable(library, target, packages)
        if first == TOOLCHAIN:  # built apart, on the empty venv: a lock move copies it again
            own = StageBuilder(target, f"lib-{name}", str(target.label.with_stage(first)))
            install_into(own, library, str(workspace.libraries[name]), venv, LIBRARY_PREFIX)
            built.append(own)
            libraries.copy_from("project", str(own.label), f"{LIBRARY_PREFIX}/", f"{venv}/")
        else:
            install_into(libraries, library, str(workspace.libraries[name]), venv, None)
    stages += built
    if not member.packaged:
        return stages
    check_buildable(member, target, packages)
    own = StageBuilder(target, "member", str(target.label.with_stage(first)))
    where = f"/build/{member.path or 'root'}"
    copy_member(own, "project", member, where)
    own.run("project", install_command(member, where, venv, MEMBER_PREFIX), UV_CACHE)
    return [*stages, own]


def install_into(
    stage: StageBuilder, library: Member, source: str, venv: str, prefix: str | None
) -> None:
    """Copy an internal library from its target and install it, non-editable and without its
    dependencies (the slice and the other libraries' own layers bring them), into the venv or
    a prefix of its own (merged into the venv by one COPY). --no-sources: outside the
    workspace its `workspace = true` sources name nothing."""
    where = f"/build/{library.path or 'root'}"
    stage.copy_from("project", source, "/", where)
    stage.run("project", install_command(library, where, venv, prefix), UV_CACHE)


def install_command(member: Member, where: str, venv: str, prefix: str | None) -> str:
    """The shell that installs the member copied to `where`, non-editable and without its
    dependencies, into the venv or a prefix of its own, forgetting when it did."""
    into = f" --prefix {prefix}" if prefix else ""
    command = (
        f"{version_from_lock(member)}uv pip install --python {venv}/bin/python --no-deps"
        f" --no-sources{into} {where}"
    )
    if prefix:
        command += f" && rm -f {prefix}/.lock"
    return command + forget_install_time(prefix or venv)


def version_from_lock(member: Member) -> str:
    """Environment that gives a backend reading its version from git (absent: .git is never
    sent) the version uv.lock has (0.0.0 where the lock has none: a dynamic version), for the
    plugins that take one; empty for other members."""
    version = member.version or UNKNOWN_VERSION
    if not VCS_VERSIONING & set(member.build_requires):
        return ""
    if not re.fullmatch(r"[A-Za-z0-9.+!_-]+", version):
        return ""
    names = ("SETUPTOOLS_SCM_PRETEND_VERSION", "UV_DYNAMIC_VERSIONING_BYPASS",
             "POETRY_DYNAMIC_VERSIONING_BYPASS", "VERSIONINGIT_VERSION")  # fmt: skip
    return " ".join(f"{n}={version}" for n in names) + " "


def forget_install_time(prefix: str) -> str:
    """The shell that removes what uv records of when it installed a local source (a
    dist-info's uv_cache.json, and its RECORD line): two cold builds differed by it alone."""
    return (
        f" && for f in $(find {prefix}/lib -path '*.dist-info/uv_cache.json'); do"
        """ sed -i '/^[^,]*uv_cache.json,/d' "${f%/*}/RECORD" && rm "$f"; done"""
    )


def default_command(member: Member) -> tuple[str, ...] | None:
    """The member's one console script: its name (on PATH once the member is installed), or
    for a virtual project what its wrapper would do; None when it has none or several."""
    if len(member.scripts) != 1:
        return None
    script, target = next(iter(member.scripts.items()))
    if member.packaged:
        return (script,)
    module, _, function = target.partition(":")
    call = f"import sys; from {module} import {function.split('.')[0]}; sys.exit({function}())"
    return ("python", "-c", call)

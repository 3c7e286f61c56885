"""uv workspaces: `uv_library` (an internal library's files as a stage, one per member that
others depend on; made by the loader, no BUILD.toml needed), `uv_installer` (uv at a pinned
version, obtained once), and the builder a `python_app` with `project` gets: its lock slice
installed with hashes required, then each internal library, non-editable, in dependency order.
"""

from __future__ import annotations

import posixpath
import re

import attrs
from packaging.utils import canonicalize_name

from graphbuild.core.errors import LoadError
from graphbuild.core.labels import parse_label
from graphbuild.core.model import Expansion, Generated, Settings, Target
from graphbuild.core.uv import Member, SourceKind, UvWorkspace
from graphbuild.definition.fields import ValueType, option
from graphbuild.definition.lock_slice import LockSlice, make_slice, render_slice
from graphbuild.definition.uv_targets import LIBRARY_RULE
from graphbuild.definition.wheels import TOOLCHAIN_BACKENDS
from graphbuild.rules.api import Context, Rule
from graphbuild.rules.builder import StageBuilder
from graphbuild.rules.builtin.common import PIP_CACHE, apt_install, check_packages, stage_label

S, L = ValueType.STR, ValueType.STR_LIST
UV_CACHE = ("type=cache,target=/root/.cache/uv",)
UV_ENV = {"UV_COMPILE_BYTECODE": "1", "UV_LINK_MODE": "copy", "UV_PYTHON_DOWNLOADS": "0"}
UV_VERSION_RE = re.compile(r"\d+\.\d+\.\d+\Z")
SHA256_RE = re.compile(r"(sha256:)?[0-9a-f]{64}\Z")
INSTALLED_UV = "/opt/uv/bin/uv"
UNKNOWN_VERSION = "0.0.0"
VCS_VERSIONING = {"setuptools-scm", "hatch-vcs", "uv-dynamic-versioning", "dunamai",
                  "poetry-dynamic-versioning", "versioningit", "pdm-backend"}  # fmt: skip
MEMBER_PREFIX = "/opt/member"  # the member's own install, merged into the venv by one COPY


def workspace_of(target: Target, context: Context, key: str) -> UvWorkspace:
    """The uv workspace, or the error that there is none."""
    if context.uv is None:
        raise LoadError.at(
            target, key, "no uv workspace: the root pyproject.toml needs [tool.uv.workspace]"
        )
    return context.uv


@attrs.frozen
class UvLibrary:
    """The keys of a uv_library target."""

    member: str = option(S, "The workspace member (its project name).", required=True)


def expand_uv_library(target: Target, config: UvLibrary, context: Context) -> Expansion:
    """FROM scratch, then the member's folder as Docker sends it (less nested members): what
    its build backend may read, whatever the layout, license or version files."""
    uv = workspace_of(target, context, "member")
    member = uv.members.get(config.member)
    if member is None:
        raise LoadError.at(target, "member", f"no workspace member named {config.member!r}")
    if member.path != target.label.package:
        raise LoadError.at(
            target, "member", f"member {member.name} lives in {member.path}, not in this package"
        )
    stage = StageBuilder(target, None, "scratch")
    copy_member(stage, "member", member, "/")
    return Expansion(target=target, stages=(stage.build(context.settings),), output=target.label)


def check_buildable(member: Member, target: Target, build_packages: list[str]) -> None:
    """A member the builder can install: packaged, and its backend's toolchain among the
    image's build_packages where it needs one (maturin: cargo)."""
    if not member.packaged:
        raise LoadError.at(
            target, "project", f"member {member.name} ({member.pyproject}) is a virtual project"
            " (no [build-system]): it cannot be installed as a package; give it a build-system",
        )  # fmt: skip
    if member.outside:
        raise LoadError.at(
            target, "project", f"member {member.name} ({member.pyproject}) names"
            f" {', '.join(member.outside)}, outside its folder: its build backend builds from"
            " the member's folder alone; move the file into it",
        )  # fmt: skip
    needs = TOOLCHAIN_BACKENDS.get((member.backend or "").split(".", 1)[0])
    if needs is not None and needs[0] not in build_packages:
        raise LoadError.at(
            target, "build_packages", f"member {member.name} ({member.pyproject}) builds with"
            f" {member.backend}, which needs {needs[1]}: add {needs[0]!r} (and what else it"
            " builds with) to build_packages",
        )  # fmt: skip


def copy_member(stage: StageBuilder, key: str, member: Member, destination: str) -> None:
    """COPY the member's files (in one step) and each of its folders (one step each, so a
    folder keeps its name) below `destination`, each declared as an input of `stage`."""
    base = posixpath.relpath(member.path or ".", stage.package or ".")
    if base == ".." or base.startswith("../"):
        raise stage.error(key, f"member {member.name} lies outside package {stage.package}")
    prefix = "" if base == "." else base + "/"
    files = [prefix + f for f in member.files if not f.endswith("/")]
    folders = [prefix + f for f in member.files if f.endswith("/")]
    stage.inputs += [*files, *folders]
    root = destination.rstrip("/") + "/"
    by_place: dict[str, list[str]] = {}
    for path in files:  # files of one folder go together: COPY a b /dest/dir/
        by_place.setdefault(posixpath.dirname(path[len(prefix) :]), []).append(path)
    for place, paths in sorted(by_place.items()):
        stage.copy(key, paths, root + (place + "/" if place else ""))
    for folder in folders:
        stage.copy(key, [folder], root + folder[len(prefix) :])


@attrs.frozen
class UvInstaller:
    """The keys of a uv_installer target."""

    python: str | None = option(
        S, "The interpreter whose #dev stage installs uv from the package index.",
        label_of=("python_interpreter",),
    )  # fmt: skip
    version: str | None = option(S, "The uv release, e.g. '0.13.8'.")
    hashes: tuple[str, ...] = option(
        L, "sha256 of each uv wheel the platforms install (pip --require-hashes).", default=[]
    )
    uv_image: str | None = option(S, "Take uv from an image instead (@external, pinned).")
    path: str = option(S, "Where uv is in that image.", default="/uv")


def expand_uv_installer(target: Target, config: UvInstaller, settings: Settings) -> Expansion:
    """One stage holding the uv binary: pip-installed with hashes in a venv of its own, or
    an external image as it is; its `uv_path` fact says where the binary is."""
    if (config.uv_image is None) == (config.python is None):
        raise LoadError.at(target, "python", "give python (install from the index) or uv_image")
    if config.uv_image is not None:
        if not config.uv_image.startswith("@"):
            raise LoadError.at(target, "uv_image", "expected an external image: @name")
        if not config.path.startswith("/") or " " in config.path:
            raise LoadError.at(target, "path", f"expected an absolute path, got {config.path!r}")
        image = StageBuilder(target, None, config.uv_image).build(settings)
        facts = {"uv_path": config.path}
        return Expansion(target=target, stages=(image,), output=target.label, facts=facts)
    if config.version is None or not UV_VERSION_RE.match(config.version):
        raise LoadError.at(target, "version", "give the uv release to install, e.g. '0.13.8'")
    if not config.hashes:
        raise LoadError.at(target, "hashes", "give the sha256 of the uv wheels (hashes required)")
    for i, digest in enumerate(config.hashes):
        if not SHA256_RE.match(digest):
            raise LoadError.at(target, f"hashes[{i}]", f"expected 64 hex digits, got {digest!r}")
    pins = " ".join(f"--hash=sha256:{h.removeprefix('sha256:')}" for h in config.hashes)
    assert config.python is not None  # one of image and python is given
    stage = StageBuilder(target, None, stage_label(config.python, target, "dev"))
    stage.run(
        "version",
        f"python -m venv /opt/uv && printf '%s\\n' 'uv=={config.version} {pins}' > /tmp/uv.txt"
        " && /opt/uv/bin/pip install --require-hashes -r /tmp/uv.txt && rm /tmp/uv.txt",
        PIP_CACHE,
    )
    built = stage.build(settings)
    facts = {"uv_path": INSTALLED_UV}
    return Expansion(target=target, stages=(built,), output=target.label, facts=facts)


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
    facts = context.facts_of(parse_label(python, target.label.package))
    version = facts.get("python_release") or facts.get("python_version")
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
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", label.lstrip("/")).strip("-")
    path = f"{context.settings.lock_slices}/{name}.txt"
    text = render_slice(lock, label)
    return Generated(path, text, lock.versions, lock.compiles, lock.unhashed), lock


def uv_builder(
    target: Target, context: Context, python: str, project: str, uv: str | None,
    build_packages: tuple[str, ...], venv: str, extras: tuple[str, ...] = (),
) -> list[StageBuilder]:  # fmt: skip
    """#builder of a uv app: uv from its installer, the venv, the lock slice with hashes
    required, then each internal library (dependencies first), non-editable; and #member,
    the member itself installed on top into a prefix of its own (its layer alone moves on a
    source edit), unless it is a virtual project."""
    workspace = workspace_of(target, context, "project")
    member = project_member(target, workspace, project)
    if uv is None:
        raise LoadError.at(target, "uv", "give uv: the label of a uv_installer target")
    uv_path = context.facts_of(parse_label(uv, target.label.package)).get("uv_path")
    if uv_path is None:
        raise LoadError.at(target, "uv", f"{uv} is not a uv_installer target")
    spec = StageBuilder(target, "builder", stage_label(python, target, "dev"))
    lock_file, lock = slice_file(target, member, context, python, extras)
    packages = check_packages(target, "build_packages", build_packages)
    if lock.unhashed and "git" not in packages:
        packages.append("git")  # uv clones git sources with git
    if packages:
        apt_install(spec, "build_packages", packages)
    spec.copy_from("uv", uv, uv_path, "/usr/local/bin/uv")
    spec.env("uv", UV_ENV)
    spec.copy_generated("project", lock_file, "/build/requirements.txt")
    hashes = "--verify-hashes" if lock.unhashed else "--require-hashes"
    spec.run(
        "project",
        f'uv venv --python "$(command -v python)" {venv} && uv pip install --python'
        f" {venv}/bin/python {hashes} --no-deps -r /build/requirements.txt",
        UV_CACHE,
    )
    for name in lock.internal:
        library = workspace.members[name]
        check_buildable(library, target, packages)
        where = f"/build/{library.path or 'root'}"
        spec.copy_from("project", str(workspace.libraries[name]), "/", where)
        # --no-sources: outside the workspace its `workspace = true` sources name nothing; the
        # members it needs are installed by their own layers.
        command = (
            f"{version_from_lock(library)}uv pip install --python {venv}/bin/python --no-deps"
            f" --no-sources {where}"
        )
        spec.run("project", command + forget_install_time(venv), UV_CACHE)
    if not member.packaged:
        return [spec]
    check_buildable(member, target, packages)
    own = StageBuilder(target, "member", str(target.label.with_stage("builder")))
    where = f"/build/{member.path or 'root'}"
    copy_member(own, "project", member, where)
    own.run(
        "project",
        f"{version_from_lock(member)}uv pip install --python {venv}/bin/python --no-deps"
        f" --no-sources --prefix"
        f" {MEMBER_PREFIX} {where} && rm -f {MEMBER_PREFIX}/.lock"
        + forget_install_time(MEMBER_PREFIX),
        UV_CACHE,
    )
    return [spec, own]


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


LIBRARY = Rule(
    name=LIBRARY_RULE,
    doc="An internal library of the uv workspace: its files as a stage (made by the loader).",
    config=UvLibrary,
    expand_in=expand_uv_library,
)
INSTALLER = Rule(
    name="uv_installer",
    doc="uv at a pinned version, from the package index with hashes or from an image.",
    config=UvInstaller,
    expand=expand_uv_installer,
)

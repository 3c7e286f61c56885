"""uv workspaces: `uv_library` (an internal library's folder as a stage, one per member that
others depend on; made by the loader, no BUILD.toml needed) and `uv_installer` (uv at a pinned
version, obtained once); what a member must be for a builder to install it."""

from __future__ import annotations

import posixpath
import re

import attrs

from graphbuild.core.errors import LoadError
from graphbuild.core.facts import Facts
from graphbuild.core.model import Expansion, Target
from graphbuild.core.paths import leaves
from graphbuild.core.uv import Member, UvWorkspace
from graphbuild.definition.fields import ValueType, option
from graphbuild.definition.uv_targets import LIBRARY_RULE
from graphbuild.definition.wheels import toolchain_of
from graphbuild.rules.api import Context, Rule
from graphbuild.rules.builder import StageBuilder
from graphbuild.rules.builtin.common import ABSOLUTE_PATH, PIP_CACHE, SHA256_HEX_RE, stage_label

S, L = ValueType.STR, ValueType.STR_LIST
UV_CACHE = ("type=cache,target=/root/.cache/uv",)
UV_ENV = {"UV_COMPILE_BYTECODE": "1", "UV_LINK_MODE": "copy", "UV_PYTHON_DOWNLOADS": "0"}
UV_VERSION_RE = re.compile(r"\d+\.\d+\.\d+\Z")
INSTALLED_UV = "/opt/uv/bin/uv"


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

    member: str = option(
        S, "The workspace member (its project name).", required=True, names_member=True
    )


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
    stages = (stage.build(context.settings),)
    return Expansion(target, stages, target.label, facts=Facts(library=member.name))


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
    needs = toolchain_of(member.backend)
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
    if leaves(base):
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
    path: str = option(S, "Where uv is in that image.", default="/uv", constraint=ABSOLUTE_PATH)


def expand_uv_installer(target: Target, config: UvInstaller, context: Context) -> Expansion:
    """One stage holding the uv binary: pip-installed with hashes in a venv of its own, or
    an external image as it is; its `uv_path` fact says where the binary is."""
    settings = context.settings
    if (config.uv_image is None) == (config.python is None):
        raise LoadError.at(target, "python", "give python (install from the index) or uv_image")
    if config.uv_image is not None:
        if not config.uv_image.startswith("@"):
            raise LoadError.at(target, "uv_image", "expected an external image: @name")
        image = StageBuilder(target, None, config.uv_image).build(settings)
        facts = Facts(uv_path=config.path)
        return Expansion(target=target, stages=(image,), output=target.label, facts=facts)
    if config.version is None or not UV_VERSION_RE.match(config.version):
        raise LoadError.at(target, "version", "give the uv release to install, e.g. '0.13.8'")
    if not config.hashes:
        raise LoadError.at(target, "hashes", "give the sha256 of the uv wheels (hashes required)")
    for i, digest in enumerate(config.hashes):
        if not SHA256_HEX_RE.match(digest.removeprefix("sha256:")):
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
    facts = Facts(uv_path=INSTALLED_UV)
    return Expansion(target=target, stages=(built,), output=target.label, facts=facts)


LIBRARY = Rule(
    name=LIBRARY_RULE,
    doc="An internal library of the uv workspace: its files as a stage (made by the loader).",
    config=UvLibrary,
    expand=expand_uv_library,
)
INSTALLER = Rule(
    name="uv_installer",
    doc="uv at a pinned version, from the package index with hashes or from an image.",
    config=UvInstaller,
    expand=expand_uv_installer,
)

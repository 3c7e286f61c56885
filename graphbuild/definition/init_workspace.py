"""`graphbuild init` as a pure function: a BUILD.toml per deployable member of a uv workspace,
wired to an interpreter the lock's requires-python allows and to uv, and a sentence per member
saying what was chosen and why (nothing is skipped silently)."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Iterable, Mapping

import attrs
from packaging.specifiers import SpecifierSet

from graphbuild.core.uv import Member, UvWorkspace
from graphbuild.definition.entry_points import Entry, Found, find_entry
from graphbuild.definition.lock_slice import environment, walk
from graphbuild.definition.wheels import builds_from_source, system_packages, toolchain_of

# What a new root BUILD.toml pins (the example's pins of 2026-11-23: move them on a cadence).
DEBIAN = {  # Python version -> (Debian suite, its slim image pinned by digest)
    "3.11": (
        "bookworm",
        "debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c",
    ),
    "3.13": (
        "trixie",
        "debian:trixie-slim@sha256:a29215f6a35e51e22adffa17f89e9d2ef06214e64a2bad10d765c46aea49f11f",
    ),
}
OFFICIAL = {"3.10": "bookworm", "3.12": "bookworm", "3.14": "trixie"}  # python:X.Y-slim-SUITE
UV_RELEASE = "0.13.8"
UV_HASHES = (  # its manylinux wheels: x86_64, aarch64
    "e18a57b8b352eb7c8feb317b9f6f533c8f0ad9673fd6cf34bbe3cf1a9f6a8984",
    "5337c30bb893b4f9ce0ceb921ba2da0d13f649da644f40ad3bef84083bef0203",
)
# Where emit writes: outside build/, which the usual Python .gitignore hides, and never over a
# file the team has (the first of these folders without a Dockerfile or bake file of its own).
OUTPUT_FOLDERS = ("docker", "docker/graphbuild", "graphbuild-out")
EMITTED = ("Dockerfile", "Dockerfile.dockerignore", "docker-bake.json", "docker-bake.rebuild.json")


@attrs.frozen
class Wiring:
    """The labels new member BUILD.toml files name: an interpreter per version, and uv."""

    pythons: Mapping[str, str]  # "3.11" -> "//:python"
    uv: str


@attrs.frozen
class Choice:
    """What init did with one member, and why."""

    folder: str
    wrote: str | None  # the BUILD.toml it wrote, if any
    why: str


@attrs.frozen
class InitPlan:
    """The files init writes, a sentence per member, and what is left to do."""

    files: Mapping[str, str]
    choices: tuple[Choice, ...]
    python: str  # the sentence saying which interpreter the images use
    todo: tuple[str, ...] = ()


def choose_python(uv: UvWorkspace) -> str:
    """The CPython the images use, among 3.10-3.14 as requires-python allows: Debian's own
    (3.11, 3.13) before the official image's, newest first, and the first for which every
    packaged member's locked dependencies have wheels (none compiles in the builder)."""
    allowed = SpecifierSet(uv.requires_python or "")
    fits = [v for v in ("3.10", "3.11", "3.12", "3.13", "3.14") if allowed.contains(f"{v}.0")]
    if not fits:
        raise ValueError(
            f"requires-python {uv.requires_python!r} allows none of CPython 3.10 to 3.14"
        )
    ranked = [v for v in reversed(fits) if v in DEBIAN] + [
        v for v in reversed(fits) if v not in DEBIAN
    ]
    packaged = [m for m in uv.members.values() if m.packaged]
    for version in ranked:
        if not any(compiled(uv, m, version).sdists for m in packaged):
            return version
    return ranked[0]


def python_sentence(version: str) -> str:
    """Where the images' CPython comes from."""
    if version in DEBIAN:
        return f"CPython {version} from Debian {DEBIAN[version][0]}"
    return (
        f"CPython {version} from the official python:{version}-slim-{OFFICIAL[version]} image"
        " (Debian has no such package; pin it by digest in BUILD.toml)"
    )


def output_folder(files: set[str]) -> str:
    """The first output folder holding none of the files emit writes there."""
    for folder in OUTPUT_FOLDERS:
        ours = {f"{folder}/{name}" for name in EMITTED}
        if not ours & files and not any(f.startswith(f"{folder}/locks/") for f in files):
            return folder
    raise ValueError(f"{', '.join(OUTPUT_FOLDERS)} all hold a Dockerfile: set dockerfile by hand")


def root_build_toml(name: str, version: str, outputs: str = "docker") -> str:
    """A root BUILD.toml: the workspace, its interpreter (a shared Debian base with security
    updates, or the official image) and uv installed on that interpreter."""
    lines = [
        "# Written by `graphbuild init`: the workspace, its interpreter and uv.",
        "[workspace]", f'name = "{name}"', f'registry = "registry.example.com/{name}"',
        f'dockerfile = "{outputs}/Dockerfile"', f'bake = "{outputs}/docker-bake.json"', "",
    ]  # fmt: skip
    if version in DEBIAN:
        suite, image = DEBIAN[version]
        lines += [
            f"[external.{suite}]", f'image = "{image}"', "",
            "[[target]]", 'name = "os"', 'rule = "distro_base"', f'from = "@{suite}"',
            'packages = ["ca-certificates"]',
            'refresh = "2026-11-23"   # move this date to pull new security updates', "",
            "[[target]]", 'name = "python"', 'rule = "python_interpreter"', 'base = ":os"',
            f'version = "{version}"', "",
        ]  # fmt: skip
    else:
        tag = f"python:{version}-slim-{OFFICIAL[version]}"
        lines += [
            "[external.python]", f'image = "{tag}"   # pin it: {tag}@sha256:<digest>', "",
            "[[target]]", 'name = "python"', 'rule = "python_interpreter"', 'method = "image"',
            'python_image = "@python"', f'path = "/usr/local/bin/python{version}"',
            f'version = "{version}"', "",
        ]  # fmt: skip
    hashes = ", ".join(f'"{h}"' for h in UV_HASHES)
    lines += [
        "# uv, installed once from the package index (hashes required); every builder copies it.",
        "[[target]]", 'name = "uv"', 'rule = "uv_installer"', 'python = ":python"',
        f'version = "{UV_RELEASE}"', f"hashes = [{hashes}]",
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def toml_list(values: Iterable[object]) -> str:
    """A TOML array of strings or numbers."""
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


@attrs.frozen
class Builds:
    """What an image compiles: dependencies with no wheel, and the toolchains its members'
    build backends need."""

    sdists: tuple[str, ...]
    toolchains: tuple[str, ...]


def compiled(uv: UvWorkspace, member: Member, version: str) -> Builds:
    """What the member's image compiles on CPython `version` on x86_64."""
    reached = walk(uv, member.name, (), environment(f"{version}.0", "x86_64"))
    needs = [toolchain_of(uv.members[m].backend) for m in (member.name, *reached.members)]
    toolchains = {need[0] for need in needs if need is not None}
    sdists = builds_from_source(list(reached.packages.values()), version, ["x86_64"])
    return Builds(sdists, tuple(sorted(toolchains)))


def member_build_toml(
    member: Member, entry: Entry, wiring: Wiring, version: str, builds: Builds
) -> str:
    """A member's BUILD.toml: its image from its lock slice, internal libraries and itself
    installed as a package; commented out when no command was found."""
    name = posixpath.basename(member.path) or member.name
    lines = [
        f'name = "{name}"', 'rule = "python_app"', f'python = "{wiring.pythons[version]}"',
        'project = "."', f'uv = "{wiring.uv}"',
    ]  # fmt: skip
    compiles = builds.sdists
    build, run = system_packages(compiles)
    build = sorted({*build, *builds.toolchains})
    if compiles:
        lines.append(f"# {', '.join(compiles)} build from source (no wheel in uv.lock)")
    if builds.toolchains:
        lines.append(f"# its members' build backends need {', '.join(builds.toolchains)}")
    if build:
        lines.append(f"build_packages = {toml_list(build)}")
    if run:
        lines.append(f"runtime_packages = {toml_list(run)}")
    if entry.entrypoint is not None:
        lines.append(f"entrypoint = {toml_list(entry.entrypoint)}")
    if entry.cmd is not None:
        lines.append(f"cmd = {toml_list(entry.cmd)}")
    if entry.expose:
        lines.append(f"expose = {toml_list(entry.expose)}")
    if entry.others:
        lines.append(f"# its other console scripts: {', '.join(entry.others)}")
    head = f"# Written by `graphbuild init`: the image of workspace member {member.name}"
    if entry.found is Found.NOTHING:
        body = [f"# {line}" for line in ["[[target]]", *lines, 'cmd = ["…"]']]
        return "\n".join([f"{head}, which has {entry.why}.",
                          "# If it is deployable, uncomment the target and give its command:",
                          *body]) + "\n"  # fmt: skip
    return "\n".join([f"{head}; it runs {entry.why}.", "[[target]]", *lines]) + "\n"


def plan_init(
    uv: UvWorkspace, files: Iterable[str], build_files: Iterable[str], wiring: Wiring | None,
    name: str, read: Callable[[str], str | None],
) -> InitPlan:  # fmt: skip
    """The BUILD.toml files for every member that has none yet (a commented target where no
    command was found); a root BUILD.toml too when `wiring` is None (no workspace yet)."""
    files, existing = set(files), set(build_files)
    written: dict[str, str] = {}
    version = choose_python(uv)
    if wiring is None:
        written["BUILD.toml"] = root_build_toml(name, version, output_folder(files))
        wiring = Wiring({version: "//:python"}, "//:uv")
    elif version not in wiring.pythons:
        version = sorted(wiring.pythons)[-1]
    users: dict[str, list[str]] = {}
    for member in uv.members.values():
        for dep in member.internal:
            users.setdefault(dep, []).append(member.name)
    choices, todo = [], []
    for member in sorted(uv.members.values(), key=lambda m: m.path):
        where = member.path or "."
        path = posixpath.join(member.path, "BUILD.toml") if member.path else "BUILD.toml"
        entry = find_entry(member, files, read)
        owned = path in existing or (path in written and member.path != "")
        why = skip_reason(member, entry, users, owned or (not member.path and not written))
        if why is not None:
            choices.append(Choice(where, None, why))
            continue
        text = member_build_toml(member, entry, wiring, version, compiled(uv, member, version))
        if path in written:  # the root project, beside the workspace's own targets
            text = written[path] + "\n" + text
        written[path] = text
        if entry.found is not Found.NOTHING:
            choices.append(Choice(where, path, f"an image that runs {entry.why}"))
        else:
            choices.append(Choice(where, path, f"a commented target: {entry.why}"))
            todo.append(f"give {path} its command if {member.name} is deployable")
    return InitPlan(written, tuple(choices), python_sentence(version), tuple(todo))


def skip_reason(
    member: Member, entry: Entry, users: Mapping[str, list[str]], has_build_file: bool
) -> str | None:
    """Why a member gets no BUILD.toml (or root target) from init, or None."""
    if not member.packaged:
        return "a virtual project (no [build-system]): nothing to install as a package"
    if has_build_file:
        return "has a BUILD.toml already" if member.path else "the root BUILD.toml exists already"
    if member.outside:
        return (
            f"its pyproject.toml names {', '.join(member.outside)}, outside its folder: its build"
            " backend cannot build it from the member's folder (move the file into it)"
        )
    if member.name in users and entry.found is Found.NOTHING:
        return f"an internal library of {', '.join(sorted(users[member.name]))}"
    return None

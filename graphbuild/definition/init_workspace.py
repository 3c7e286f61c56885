"""`graphbuild init` as a pure function: the BUILD.toml files that make a uv workspace's
members with an entry point into images, wired to an interpreter and uv."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs
from packaging.specifiers import SpecifierSet

from graphbuild.core.uv import Member, UvWorkspace

# What a new root BUILD.toml pins (the example's pins of 2026-11-23: move them on a cadence).
DISTROS = {  # Python version -> (Debian suite, its slim image pinned by digest)
    "3.11": (
        "bookworm",
        "debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c",
    ),
    "3.13": (
        "trixie",
        "debian:trixie-slim@sha256:a29215f6a35e51e22adffa17f89e9d2ef06214e64a2bad10d765c46aea49f11f",
    ),
}
UV_RELEASE = "0.13.8"
UV_HASHES = (  # its manylinux wheels: x86_64, aarch64
    "e18a57b8b352eb7c8feb317b9f6f533c8f0ad9673fd6cf34bbe3cf1a9f6a8984",
    "5337c30bb893b4f9ce0ceb921ba2da0d13f649da644f40ad3bef84083bef0203",
)


@attrs.frozen
class Wiring:
    """The labels new member BUILD.toml files name: an interpreter per version, and uv."""

    pythons: Mapping[str, str]  # "3.11" -> "//:python@3.11"
    uv: str


@attrs.frozen
class InitPlan:
    """The files init writes, and what it left alone (with why)."""

    files: Mapping[str, str]
    skipped: tuple[tuple[str, str], ...]  # (member folder, why)


def entry_command(member: Member, files: Iterable[str]) -> list[str] | None:
    """`python -m` the member's package, when it has a `__main__` module."""
    module = member.name.replace("-", "_")
    prefix = f"{member.path}/" if member.path else ""
    mains = {f"{prefix}src/{module}/__main__.py", f"{prefix}{module}/__main__.py"}
    return ["python", "-m", module] if mains & set(files) else None


def supported_versions(requires_python: str | None) -> list[str]:
    """The Debian Pythons a workspace's requires-python allows, oldest first."""
    allowed = SpecifierSet(requires_python or "")
    return [v for v in sorted(DISTROS) if allowed.contains(f"{v}.0", prereleases=True)]


def root_build_toml(name: str, versions: list[str]) -> str:
    """A root BUILD.toml: the workspace, a shared Debian base and an interpreter per version,
    and uv from the package index."""
    lines = [
        "# Written by `graphbuild init`: the workspace, its bases, interpreters and uv.",
        "[workspace]", f'name = "{name}"', 'registry = "registry.example.com/' + name + '"',
        "",
    ]  # fmt: skip
    for version in versions:
        suite, image = DISTROS[version]
        lines += [f"[external.{suite}]", f'image = "{image}"', ""]
    suites = ", ".join(f'"{DISTROS[v][0]}"' for v in versions)
    lines += [
        "[[target]]", 'name = "os"', 'rule = "distro_base"', f"matrix = {{ distro = [{suites}] }}",
        'from = "@{{distro}}"', 'packages = ["ca-certificates"]',
        'refresh = "2026-11-23"   # move this date to pull new security updates', "",
        "[[target]]", 'name = "python"', 'rule = "python_interpreter"',
        'base = "//:os@{{distro}}"', 'version = "{{python}}"', "",
    ]  # fmt: skip
    for version in versions:
        lines += [
            f'[target.matrix."{version}"]', f'python = "{version}"',
            f'distro = "{DISTROS[version][0]}"', "",
        ]  # fmt: skip
    hashes = ", ".join(f'"{h}"' for h in UV_HASHES)
    lines += [
        "# uv, installed once from the package index (hashes required); every builder copies it.",
        "[[target]]", 'name = "uv"', 'rule = "uv_installer"', f'python = "//:python@{versions[0]}"',
        f'version = "{UV_RELEASE}"', f"hashes = [{hashes}]",
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def member_build_toml(member: Member, python: str, uv: str, command: list[str] | None) -> str:
    """A member's BUILD.toml: its image, from its lock slice, internal libraries and code."""
    code = [f for f in member.files if f.endswith("/")]
    src = code[0] if code else "src/"
    lines = [
        f"# Written by `graphbuild init`: the image of workspace member {member.name}.",
        "[[target]]", f'name = "{member.path.rsplit("/", 1)[-1] or member.name}"',
        'rule = "python_app"', f'python = "{python}"', 'project = "."', f'uv = "{uv}"',
        f'src = ["{src}"]',
    ]  # fmt: skip
    if command is not None:
        lines.append("cmd = [" + ", ".join(f'"{part}"' for part in command) + "]")
    else:
        script = next(iter(member.scripts))
        lines.append(f"# cmd: its console script {script} = {member.scripts[script]!r}")
    return "\n".join(lines) + "\n"


def plan_init(
    uv: UvWorkspace, files: Iterable[str], build_files: Iterable[str], wiring: Wiring | None,
    name: str,
) -> InitPlan:  # fmt: skip
    """The BUILD.toml files for every member with an entry point that has none yet; a root
    BUILD.toml too when `wiring` is None (no workspace yet)."""
    files, existing = list(files), set(build_files)
    written: dict[str, str] = {}
    skipped: list[tuple[str, str]] = []
    if wiring is None:
        versions = supported_versions(uv.requires_python)
        if not versions:
            raise ValueError(f"requires-python {uv.requires_python} allows neither 3.11 nor 3.13")
        written["BUILD.toml"] = root_build_toml(name, versions)
        wiring = Wiring({v: f"//:python@{v}" for v in versions}, "//:uv")
    newest = sorted(wiring.pythons)[-1]
    for member in sorted(uv.members.values(), key=lambda m: m.path):
        where = member.path or "."
        command = None if len(member.scripts) == 1 else entry_command(member, files)
        if command is None and len(member.scripts) != 1:
            why = "several console scripts" if member.scripts else "no entry point"
            skipped.append((where, why))
            continue
        path = f"{member.path}/BUILD.toml" if member.path else "BUILD.toml"
        if path in existing or path in written:
            skipped.append((where, "has a BUILD.toml already"))
            continue
        if member.path == "":
            skipped.append((where, "the root project: give it a folder of its own"))
            continue
        written[path] = member_build_toml(member, wiring.pythons[newest], wiring.uv, command)
    return InitPlan(written, tuple(skipped))

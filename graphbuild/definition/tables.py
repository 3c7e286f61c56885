"""The keys of the tables every BUILD.toml may hold, apart from a rule's own: [workspace],
[external.NAME], and the keys every [[target]] has."""

from __future__ import annotations

import enum
from typing import Any

import attrs

from graphbuild.core.model import CacheBackend, DockerfileFrontend, Provenance, Settings
from graphbuild.definition.fields import Field, ValueType

S, L = ValueType.STR, ValueType.STR_LIST


def default_of(key: str) -> Any:
    """A [workspace] key's default, as the model declares it (one copy, in Settings)."""
    value = attrs.fields_dict(Settings)[key].default
    if isinstance(value, enum.Enum):
        return value.value
    return list(value) if isinstance(value, tuple) else value


def values_of(kind: type[enum.StrEnum]) -> tuple[str, ...]:
    """The choices of a key whose values are an enum's."""
    return tuple(member.value for member in kind)


WORKSPACE_SCHEMA = {
    "name": Field(S, "The workspace's name (letters, digits, '_', '.', '-').", required=True),
    "registry": Field(S, "Where images are pushed: tagged {registry}/{image}:{hash12}."),
    "dockerfile": Field(S, "Where `emit` writes the Dockerfile.", default=default_of("dockerfile")),
    "bake": Field(S, "Where `emit` writes the bake file.", default=default_of("bake")),
    "lock": Field(S, "The lock file of content hashes.", default=default_of("lock")),
    "dockerfile_syntax": Field(
        S,
        "The Dockerfile feature floor the emitted file may use, e.g. '1.2', or '1': every "
        "stable feature, with `# syntax=docker/dockerfile:1` (the newest 1.x).",
        default=default_of("dockerfile_syntax"),
    ),
    "dockerfile_check": Field(
        S,
        "The emitted Dockerfile's `# check=` line: which build checks to skip and whether a "
        "finding fails the build (`skip=JSONArgsRecommended,StageNameCasing;error=true`).",
    ),
    "dockerfile_frontend": Field(
        S,
        "Who parses the emitted Dockerfile: 'image' (a `# syntax=` line above 1.2 makes BuildKit "
        "pull docker/dockerfile:<floor>) or 'builtin' (no `# syntax=` line: the engine's own "
        "frontend, 1.7 in Docker 26, must have the floor's features).",
        default=default_of("dockerfile_frontend"),
        choices=values_of(DockerfileFrontend),
    ),
    "platforms": Field(L, "Platforms every stage builds for.", default=default_of("platforms")),
    "args": Field(ValueType.STR_TABLE, "Build args every stage may use.", default={}),
    "cache": Field(
        S,
        "The build cache shared between machines: 'registry' (each image's cache at "
        "{registry}/cache:{target}, mode=max), 'gha' (GitHub Actions' cache, a scope per "
        "image) or 'none'.",
        default=default_of("cache"),
        choices=values_of(CacheBackend),
    ),
    "cache_from": Field(
        L,
        "More bake cache-from entries of every image ({registry}, {image}, {target}).",
        default=[],
    ),
    "cache_to": Field(
        L,
        "More bake cache-to entries of every image ({registry}, {image}, {target}).",
        default=[],
    ),
    "reproducible": Field(
        ValueType.BOOL,
        "Bit-for-bit reproducible images: every stage gets ARG SOURCE_DATE_EPOCH (from "
        "source_date_epoch, else the newest distro_base refresh date), so .pyc are hash-based "
        "and image times fixed; export with `graphbuild build --oci DIR`.",
        default=False,
    ),
    "source_date_epoch": Field(
        ValueType.INT, "The SOURCE_DATE_EPOCH of reproducible builds (seconds since 1970)."
    ),
    "provenance": Field(
        S,
        "The SLSA provenance attestation bake attaches to each image: 'max' (the build's full "
        "record), 'min' or 'none'.",
        default=default_of("provenance"),
        choices=values_of(Provenance),
    ),
    "source": Field(S, "The source repository URL, for image labels."),
    "default": Field(
        S,
        "The image target the emitted Dockerfile ends with, so a plain `docker build` without "
        "--target builds it (a label; nothing may be built on it).",
    ),
    "compose": Field(
        S,
        "Where `emit` writes a Docker Compose file (compose.yaml, or in a folder: "
        "deploy/compose.yaml): a service per image that runs something, with `develop.watch` "
        "rules for `docker compose up --watch`; your own services go in compose.override.yaml.",
    ),
    "devcontainers": Field(
        ValueType.BOOL,
        "Whether `emit` writes .devcontainer/<image>/devcontainer.json for each development "
        "variant (python_dev), built from its stage of the emitted Dockerfile.",
        default=False,
    ),
    "python_workspace": Field(
        S,
        "The folder of the Python workspace (its pyproject.toml with [tool.uv.workspace] and "
        "its uv.lock), relative to the root: '.' for the root itself, or e.g. 'python' when "
        "the uv workspace lives in a folder of the repository.",
        default=default_of("python_workspace"),
    ),
    "exclude": Field(
        L, "Globs of files that are never inputs.", default=["**/__pycache__", "**/*.pyc"]
    ),
}
PACKAGE_SCHEMA = {
    "exclude": Field(
        L,
        "The package's files that are never inputs nor sent to Docker, as .dockerignore "
        "patterns relative to the package, in order (`!` re-includes).",
        default=[],
    ),
}
EXTERNAL_SCHEMA = {
    "image": Field(S, "The image reference: name:tag@sha256:digest.", required=True),
}
COMMON_TARGET_SCHEMA = {
    "name": Field(S, "The target's name, unique in its package.", required=True),
    "rule": Field(S, "The rule that expands the target into stages.", required=True),
    "image": Field(
        ValueType.STR_OR_BOOL,
        "Whether the target is an image (true, false) or the image's name; rules choose the "
        "default.",
    ),
    "matrix": Field(
        ValueType.MATRIX,
        "Parameters with several values: one target per variant, `{{key}}` substituted.",
        default={},
    ),
}

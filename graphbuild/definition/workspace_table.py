"""The root BUILD.toml's [workspace] table read into Settings, every key checked (one
LoadError naming the key), with the files emit writes kept apart from each other and from
the workspace's definition."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from graphbuild.core.errors import LabelError, LoadError
from graphbuild.core.features import CHECK_GRAMMAR, CHECK_RE
from graphbuild.core.labels import parse_label
from graphbuild.core.model import (
    CacheBackend,
    DockerfileFrontend,
    ExternalImage,
    Provenance,
    Settings,
)
from graphbuild.definition.fields import check_args, check_platforms, check_table
from graphbuild.definition.layout import BUILD_FILE
from graphbuild.definition.references import registry_problem
from graphbuild.definition.side_tables import load_externals
from graphbuild.definition.tables import WORKSPACE_SCHEMA
from graphbuild.definition.toml import table_key_line

SYNTAX_RE = re.compile(r"1(?:\.\d+)?\Z")
WORKSPACE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


def load_root_tables(
    data: dict[str, Any], text: str, file: str
) -> tuple[Settings, dict[str, ExternalImage]]:
    """The [workspace] settings and the [external.NAME] images of the root BUILD.toml."""
    if "workspace" not in data:
        raise LoadError("the root BUILD.toml needs a [workspace] table", file=file, key="workspace")

    def error(key: str, message: str) -> LoadError:
        return LoadError(message, file=file, line=table_key_line(text, key), key=key)

    table = data["workspace"]
    if not isinstance(table, dict):
        raise error("workspace", "expected a table")
    raw = check_table(table, WORKSPACE_SCHEMA, error, "workspace.")
    if not WORKSPACE_NAME_RE.match(raw["name"]):
        raise error(
            "workspace.name", f"invalid name {raw['name']!r}: use letters, digits, '_', '.', '-'"
        )
    check_args(raw["args"], error, "workspace.args.")
    check_platforms(raw["platforms"], error, "workspace.platforms")
    for key in ("source", "registry"):
        value = raw[key]
        if value is not None and (not value.strip() or any(c.isspace() for c in value)):
            raise error(f"workspace.{key}", f"must be non-empty with no white space, got {value!r}")
    if raw["registry"] is not None and (problem := registry_problem(raw["registry"])):
        raise error("workspace.registry", f"invalid registry {raw['registry']!r}: {problem}")
    if not SYNTAX_RE.match(raw["dockerfile_syntax"]):
        raise error(
            "workspace.dockerfile_syntax",
            f"expected a version like '1.2' (or '1', the newest 1.x), got "
            f"{raw['dockerfile_syntax']!r}",
        )
    if raw["dockerfile_check"] is not None and not CHECK_RE.match(raw["dockerfile_check"]):
        raise error(
            "workspace.dockerfile_check",
            f"expected {CHECK_GRAMMAR}, got {raw['dockerfile_check']!r}",
        )
    for key in ("dockerfile", "bake", "lock", "compose"):
        if raw[key] is not None:
            check_output_path(raw[key], functools.partial(error, f"workspace.{key}"))
    if raw["compose"] is not None and raw["compose"].rpartition("/")[2] not in COMPOSE_NAMES:
        raise error(
            "workspace.compose",
            f"expected a file named {' or '.join(COMPOSE_NAMES)} (so docker compose finds it and"
            f" merges compose.override.yaml), got {raw['compose']!r}",
        )
    if raw["python_workspace"] != ".":
        check_output_path(
            raw["python_workspace"], functools.partial(error, "workspace.python_workspace")
        )
    for i, pattern in enumerate(raw["exclude"]):
        if "\n" in pattern or "\r" in pattern or not pattern.strip():
            raise error("workspace.exclude", f"pattern {i}: one non-empty line, got {pattern!r}")
    for key, field in WORKSPACE_SCHEMA.items():
        if field.choices and raw[key] not in field.choices:
            allowed = ", ".join(repr(c) for c in field.choices)
            raise error(f"workspace.{key}", f"unknown value {raw[key]!r}: use one of {allowed}")
    if raw["source_date_epoch"] is not None and raw["source_date_epoch"] < 0:
        raise error("workspace.source_date_epoch", "must be 0 or more (seconds since 1970)")
    if "SOURCE_DATE_EPOCH" in raw["args"] and raw["reproducible"]:
        raise error(
            "workspace.args.SOURCE_DATE_EPOCH",
            "reproducible = true sets SOURCE_DATE_EPOCH itself: use source_date_epoch instead",
        )
    if raw["cache"] == CacheBackend.REGISTRY and raw["registry"] is None:
        raise error("workspace.cache", "cache = 'registry' needs [workspace] registry")
    settings = Settings(
        name=raw["name"],
        registry=raw["registry"],
        dockerfile=raw["dockerfile"],
        bake=raw["bake"],
        lock=raw["lock"],
        dockerfile_syntax=raw["dockerfile_syntax"],
        dockerfile_frontend=DockerfileFrontend(raw["dockerfile_frontend"]),
        dockerfile_check=raw["dockerfile_check"],
        platforms=tuple(raw["platforms"]),
        args=tuple(sorted(raw["args"].items())),
        cache=CacheBackend(raw["cache"]),
        cache_from=tuple(raw["cache_from"]),
        cache_to=tuple(raw["cache_to"]),
        provenance=Provenance(raw["provenance"]),
        reproducible=raw["reproducible"],
        source_date_epoch=raw["source_date_epoch"],
        source=raw["source"],
        exclude=tuple(raw["exclude"]),
        default=raw["default"],
        default_line=table_key_line(text, "workspace.default") if raw["default"] else None,
        compose=raw["compose"],
        devcontainers=raw["devcontainers"],
        python_workspace=raw["python_workspace"],
    )
    check_outputs_apart(settings, error)
    if raw["default"] is not None:
        try:
            parse_label(raw["default"], "")
        except LabelError as err:
            raise error("workspace.default", err.message) from None
    return settings, load_externals(data, error, dict(settings.args))


COMPOSE_NAMES = ("compose.yaml",)  # the name compose finds and pairs with compose.override.yaml
DEFINITION_FILES = (BUILD_FILE, "pyproject.toml", "uv.lock")  # what emit must never write over
STATE_FOLDERS = (".git", ".graphbuild")


def check_outputs_apart(settings: Settings, error: Callable[[str, str], LoadError]) -> None:
    """The files emit writes are apart from each other, from the workspace's definition and
    from git's and graphbuild's own folders (else one output would overwrite another, or a
    BUILD.toml, and `emit --check` would pass on it)."""
    named = {
        "dockerfile": settings.dockerfile,
        "bake": settings.bake,
        "lock": settings.lock,
        **({"compose": settings.compose} if settings.compose is not None else {}),
    }
    written = {
        settings.dockerfile: "dockerfile",
        f"{settings.dockerfile}.dockerignore": "dockerfile",
        settings.bake: "bake",
        settings.rebuild_bake: "bake",
    }
    slices = settings.lock_slices + "/"
    for key, path in named.items():
        parts = path.split("/")
        if parts[-1] in DEFINITION_FILES:
            raise error(f"workspace.{key}", f"{path!r} would overwrite the workspace's definition")
        if any(p in STATE_FOLDERS for p in parts):
            raise error(f"workspace.{key}", f"{path!r} is inside git's or graphbuild's own folder")
        if path.startswith(slices):
            raise error(f"workspace.{key}", f"{path!r} is inside the lock slices' folder {slices}")
    for key in ("lock", "compose"):
        if (output := named.get(key)) is not None and output in written:
            raise error(f"workspace.{key}", f"{output!r} is also what {written[output]} writes")
        if output is not None:
            written[output] = key
    if settings.bake in (settings.dockerfile, f"{settings.dockerfile}.dockerignore"):
        raise error("workspace.bake", f"{settings.bake!r} is also what dockerfile writes")


def check_output_path(path: str, error: Callable[[str], LoadError]) -> None:
    """Emitted files must stay inside the workspace."""
    parts = path.split("/")
    if not path or path.startswith("/") or "\\" in path or ".." in parts or "" in parts:
        raise error(f"must be a relative path inside the workspace, got {path!r}")

"""Find and read every BUILD.toml of a workspace into the frozen model, strictly."""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs

from graphbuild.core.errors import LabelError, LoadError
from graphbuild.core.features import CHECK_GRAMMAR, CHECK_RE
from graphbuild.core.labels import Label, check_name, check_package, parse_label
from graphbuild.core.model import (
    EPOCH_ARG,
    CacheBackend,
    DockerfileFrontend,
    ExternalImage,
    Package,
    Provenance,
    Settings,
    Target,
    Workspace,
)
from graphbuild.core.reading import read_optional
from graphbuild.definition.fields import (
    DATE_RE,
    MatrixSugar,
    RuleKeys,
    check_args,
    check_platforms,
    check_table,
    freeze,
    suggest,
)
from graphbuild.definition.layout import BUILD_FILE, is_workspace_root
from graphbuild.definition.lockfiles import load_locked_workspace
from graphbuild.definition.matrix import expand_matrix
from graphbuild.definition.references import registry_problem
from graphbuild.definition.side_tables import load_externals, package_exclude
from graphbuild.definition.tables import (
    COMMON_TARGET_SCHEMA,
    WORKSPACE_SCHEMA,
)
from graphbuild.definition.toml import (
    key_line,
    key_lines,
    parse_toml,
    read_build_file,
    table_key_line,
    target_lines,
)
from graphbuild.definition.uv_targets import with_libraries

IMAGE_NAME_RE = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*\Z")
SYNTAX_RE = re.compile(r"1(?:\.\d+)?\Z")
WORKSPACE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


def read_text(root: Path, path: str) -> str | None:
    """A workspace file's text, None when it is not there; unreadable is an error."""
    return read_optional(root / path, path)


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` whose BUILD.toml has a [workspace] table."""
    start = start.resolve()
    for folder in (start, *start.parents):
        build = folder / BUILD_FILE
        if build.is_file() and is_workspace_root(str(build)):
            return folder
    raise LoadError(f"no {BUILD_FILE} with a [workspace] table in this folder or any above it")


@attrs.frozen
class RootFile:
    """The root BUILD.toml: its text and tables, the settings and external images it declares."""

    text: str
    data: dict[str, Any]
    settings: Settings
    externals: dict[str, ExternalImage]


class WorkspaceFiles(Protocol):
    """Where the definition is read from: a folder on disk, or texts in memory (tests)."""

    def build_file(self, path: str) -> tuple[str, dict[str, Any]]:
        """The text and parsed tables of a BUILD.toml (workspace-relative)."""
        ...

    def text(self, path: str) -> str | None:
        """A workspace file's text, None when it is not there."""
        ...


@attrs.frozen
class DiskFiles:
    """The workspace's files in its folder."""

    root: Path

    def build_file(self, path: str) -> tuple[str, dict[str, Any]]:
        """The text and parsed tables of a BUILD.toml."""
        return read_build_file(self.root, path)

    def text(self, path: str) -> str | None:
        """A file's text, None when it is not there; unreadable is an error."""
        return read_text(self.root, path)


@attrs.frozen
class MemoryFiles:
    """A workspace as texts by path: the definition loaded with no filesystem."""

    files: Mapping[str, str]

    def build_file(self, path: str) -> tuple[str, dict[str, Any]]:
        """The text and parsed tables of a BUILD.toml."""
        if path not in self.files:
            raise LoadError(f"no {BUILD_FILE} at the workspace root", file=path)
        return self.files[path], parse_toml(self.files[path], path)

    def text(self, path: str) -> str | None:
        """A file's text, None when it is not there."""
        return self.files.get(path)


def read_root(root: Path) -> RootFile:
    """Read and check the root BUILD.toml (the settings tell how to scan the rest)."""
    return read_root_file(DiskFiles(root))


def read_root_file(files: WorkspaceFiles) -> RootFile:
    """The root BUILD.toml of `files`, checked."""
    text, data = files.build_file(BUILD_FILE)
    settings, externals = load_root_tables(data, text, BUILD_FILE)
    return RootFile(text, data, settings, externals)


def scan_exclusions(root_file: RootFile) -> tuple[str, ...]:
    """What a scan leaves out: the excluded globs and graphbuild's own outputs."""
    return (*root_file.settings.exclude, *root_file.settings.outputs)


def load_packages(
    files_in: WorkspaceFiles,
    root_file: RootFile,
    build_files: tuple[str, ...],
    nested: tuple[str, ...],
    rules: Mapping[str, RuleKeys],
    files: Iterable[str] = (),
) -> Workspace:
    """Every package of a workspace whose BUILD.toml files are `build_files` (workspace-
    relative; the root one included), each target checked against its rule's keys; with the
    uv workspace at its root (`files`: every file, to find the members) and its libraries."""
    packages = [load_package(root_file.data, root_file.text, BUILD_FILE, "", rules)]
    for file in build_files:
        if file != BUILD_FILE:
            text, data = files_in.build_file(file)
            packages.append(load_package(data, text, file, file.rpartition("/")[0], rules))
    settings = root_file.settings
    folder = settings.python_workspace
    uv = load_locked_workspace(files_in.text, files, folder)
    if uv is not None:
        packages, uv = with_libraries(packages, uv, rules)
    elif folder != ".":
        raise LoadError(
            f"no uv workspace in {folder}: it needs a pyproject.toml and a uv.lock",
            file=BUILD_FILE,
            line=table_key_line(root_file.text, "workspace.python_workspace"),
            key="workspace.python_workspace",
        )
    if settings.reproducible:
        epoch = source_date_epoch(settings, packages, root_file.text, rules)
        settings = attrs.evolve(settings, args=(*settings.args, (EPOCH_ARG, str(epoch))))
    return Workspace(
        settings=settings,
        externals=freeze(root_file.externals),
        packages=tuple(packages),
        skipped=nested,
        uv=uv,
    )


def source_date_epoch(
    settings: Settings, packages: Sequence[Package], root_text: str, rules: Mapping[str, RuleKeys]
) -> int:
    """The SOURCE_DATE_EPOCH of a reproducible workspace: its own setting, else midnight UTC of
    the newest date its targets' rules declare it derives from (distro_base's `refresh`: the
    security cadence's pin)."""
    if settings.source_date_epoch is not None:
        return settings.source_date_epoch
    refreshes = [
        str(t.config[key])
        for p in packages
        for t in p.targets
        for key, field in rules[t.rule].schema.items()
        if field.epoch_date and DATE_RE.match(str(t.config.get(key, "")))
    ]
    if not refreshes:
        raise LoadError(
            "reproducible = true needs a SOURCE_DATE_EPOCH: set source_date_epoch, or build on a "
            "distro_base whose refresh date it is derived from",
            file=BUILD_FILE,
            line=table_key_line(root_text, "workspace.reproducible"),
            key="workspace.reproducible",
        )
    newest = datetime.date.fromisoformat(max(refreshes))
    return calendar.timegm(newest.timetuple())


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


def load_package(
    data: dict[str, Any], text: str, file: str, package: str, rules: Mapping[str, RuleKeys]
) -> Package:
    """The targets of one BUILD.toml (matrix targets expanded)."""
    allowed = {"target", "package"} | ({"workspace", "external"} if package == "" else set())
    for key in data:
        if key not in allowed:
            hint = (
                " (only the root BUILD.toml may have it)"
                if key in ("workspace", "external")
                else ""
            )
            raise LoadError(
                f"unknown top-level key{hint or suggest(key, allowed)}", file=file, key=key
            )
    try:
        check_package(package)
    except LabelError as err:
        raise LoadError(err.message, file=file) from None
    raw_targets = data.get("target", [])
    if not isinstance(raw_targets, list) or not all(isinstance(t, dict) for t in raw_targets):
        raise LoadError("expected [[target]] tables", file=file, key="target")
    exclude = package_exclude(data.get("package", {}), text, file)
    lines = target_lines(text)
    keys = key_lines(text)
    targets: list[Target] = []
    first_seen: dict[Label, int | None] = {}
    for index, table in enumerate(raw_targets):
        start = lines[index] if index < len(lines) else None
        at = keys[index] if index < len(keys) else {}
        for target in load_target(table, text, file, package, start, rules, at):
            if target.label in first_seen:
                raise LoadError(
                    f"duplicate target (first declared at {file}:{first_seen[target.label]})",
                    file=file,
                    line=start,
                    label=str(target.label),
                    key="name",
                )
            first_seen[target.label] = start
            targets.append(target)
    return Package(path=package, file=file, targets=tuple(targets), exclude=exclude)


def apply_matrix_sugar(
    raw: dict[str, Any], sugar: MatrixSugar, error: Callable[[str, str], LoadError]
) -> None:
    """A rule's list key as a matrix (`versions = [...]` is `matrix.python` with
    `version = "{{python}}"`)."""
    if raw["matrix"]:
        raise error(sugar.list_key, f"give either {sugar.list_key} or matrix, not both")
    raw["matrix"] = {sugar.matrix_key: raw[sugar.list_key]}
    if raw.get(sugar.value_key) is None:
        raw[sugar.value_key] = "{{" + sugar.matrix_key + "}}"


def load_target(
    table: dict[str, Any],
    text: str,
    file: str,
    package: str,
    start: int | None,
    rules: Mapping[str, RuleKeys],
    key_at: Mapping[str, int] | None = None,
) -> list[Target]:
    """One [[target]] table, validated against its rule's keys, expanded over its matrix."""
    name = table.get("name")
    shown = f"//{package}:{name}" if isinstance(name, str) and name else None

    def error(key: str, message: str) -> LoadError:
        return LoadError(message, file=file, line=key_line(text, start, key), label=shown, key=key)

    if "name" not in table:
        raise error("name", "missing required key")
    if not isinstance(name, str):
        raise error("name", f"expected a string, got {type(name).__name__}")
    try:
        check_name(name, "target name")
    except LabelError as err:
        raise error("name", err.message) from None
    rule_name = table.get("rule")
    if rule_name is None:
        raise error("rule", f"missing required key (one of: {', '.join(sorted(rules))})")
    if not isinstance(rule_name, str) or rule_name not in rules:
        raise error("rule", f"unknown rule {rule_name!r}{suggest(str(rule_name), rules)}")
    rule = rules[rule_name]
    schema = {**COMMON_TARGET_SCHEMA, **rule.schema}
    raw = check_table(table, schema, error)
    if raw["image"] is None:
        raw["image"] = rule.image_default
    if rule.matrix_sugar and raw.get(rule.matrix_sugar.list_key):
        apply_matrix_sugar(raw, rule.matrix_sugar, error)
    lines = freeze(dict(key_at or {}))
    targets = []
    for variant, values, config in expand_matrix(raw, error):
        label = Label(package, name, variant)
        image = raw["image"]
        if image is True:
            image = name if variant is None else f"{name}-{variant.replace(',', '-')}"
        if image is not False and not IMAGE_NAME_RE.match(image):
            raise error("image", f"invalid image name {image!r}")
        config = {k: v for k, v in config.items() if k not in COMMON_TARGET_SCHEMA}
        targets.append(
            Target(
                label=label,
                rule=rule_name,
                file=file,
                line=start,
                config=freeze(config),
                image=image or None,
                matrix=values,
                key_lines=lines,
            )
        )
    return targets

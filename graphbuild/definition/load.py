"""Find and read every BUILD.toml of a workspace into the frozen model, strictly."""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from graphbuild.core.errors import LabelError, LoadError
from graphbuild.core.labels import Label, check_name, check_package
from graphbuild.core.model import (
    EPOCH_ARG,
    ExternalImage,
    Package,
    Settings,
    Target,
    Workspace,
)
from graphbuild.definition.fields import (
    DATE_RE,
    MatrixSugar,
    RuleKeys,
    check_table,
    freeze,
    suggest,
)
from graphbuild.definition.layout import BUILD_FILE
from graphbuild.definition.lockfiles import load_locked_workspace
from graphbuild.definition.matrix import expand_matrix
from graphbuild.definition.side_tables import package_exclude
from graphbuild.definition.sources import DiskFiles, WorkspaceFiles
from graphbuild.definition.tables import (
    COMMON_TARGET_SCHEMA,
)
from graphbuild.definition.toml import (
    key_line,
    key_lines,
    table_key_line,
    target_lines,
)
from graphbuild.definition.uv_targets import with_libraries
from graphbuild.definition.workspace_table import load_root_tables

IMAGE_NAME_RE = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*\Z")


@attrs.frozen
class RootFile:
    """The root BUILD.toml: its text and tables, the settings and external images it declares."""

    text: str
    data: dict[str, Any]
    settings: Settings
    externals: dict[str, ExternalImage]


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

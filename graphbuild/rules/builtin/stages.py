"""The raw `stages` rule: stages written by hand, still hashed, checked and deduplicated."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from graphbuild.core.errors import LoadError
from graphbuild.core.labels import Label, check_name
from graphbuild.core.model import Expansion, FromPlatform, Settings, Stage, Target
from graphbuild.core.steps import parse_parent, parse_step
from graphbuild.definition.fields import (
    PLATFORM_RE,
    Field,
    ValueType,
    check_args,
    check_platforms,
    config_schema,
    input_pattern_problem,
    option,
)
from graphbuild.rules.api import Context, Rule

S, L = ValueType.STR, ValueType.STR_LIST


@attrs.frozen
class StageKeys:
    """The keys of one hand-written stage."""

    from_: str | None = option(
        S, "The parent: a label (of any target or stage), @external or 'scratch'.", key="from"
    )
    inputs: tuple[str, ...] = option(
        L, "Globs of the package's files the steps may COPY (the hash covers them).",
        default=[], input_paths=True,
    )  # fmt: skip
    steps: tuple[str, ...] = option(L, "Dockerfile instructions, one per string.", default=[])
    args: Mapping[str, str] = option(
        ValueType.STR_TABLE, "Build args the steps use, with their values.", default={}
    )
    platforms: tuple[str, ...] | None = option(L, "Platforms (default: the workspace's).")
    platform: str | None = option(
        S,
        "FROM --platform: 'build' ($BUILDPLATFORM: the stage runs natively on the build host, "
        "as cross-compiling stages do), 'target' ($TARGETPLATFORM) or one os/arch.",
    )


STAGE_KEYS = config_schema(StageKeys)
STAGE_SCHEMA: dict[str, Field] = {
    "name": Field(S, "The stage's name (default: the target's)."),
    **STAGE_KEYS,
}


@attrs.frozen
class Stages(StageKeys):
    """The keys of a stages target: one stage's keys, or [[target.stage]] tables."""

    stage: tuple[Mapping[str, Any], ...] = option(
        ValueType.TABLE_LIST, "The stages, when there are several.", default=[],
        table=STAGE_SCHEMA,
    )  # fmt: skip


def make_stage(
    target: Target,
    settings: Settings,
    name: str | None,
    table: Mapping[str, Any],
    key: str,
    step_keys: Sequence[str] | None = None,
) -> Stage:
    """Build one Stage of `target` from a validated stage table found at key path `key`;
    `step_keys` names the key each step came from (rules name the key that made it)."""
    label = target.label.with_stage(None if name in (None, target.label.name) else name)
    prefix = f"{key}." if key else ""

    def error(sub: str, message: str) -> LoadError:
        return LoadError(
            message,
            file=target.file,
            line=target.line_of(prefix + sub),
            label=str(label),
            key=prefix + sub,
        )

    if table.get("from") is None:
        raise error("from", "missing required key (a label, @external or 'scratch')")
    parent = parse_parent(table["from"], target.label.package, lambda m: error("from", m))
    texts = table.get("steps") or ()
    keys = list(step_keys) if step_keys else [f"{prefix}steps[{i}]" for i in range(len(texts))]
    package, file = target.label.package, target.file
    steps = tuple(
        parse_step(text, package, file=file, label=str(label), key=k, line=target.line_of(k))
        for k, text in zip(keys, texts, strict=True)
    )
    check_args(dict(table.get("args") or {}), error, "args.")
    check_platforms(list(table.get("platforms") or ()), error, "platforms")
    platform = from_platform(table.get("platform"), lambda m: error("platform", m))
    platforms = tuple(table.get("platforms") or settings.platforms)
    if platform is FromPlatform.BUILD:
        platforms = ()  # whatever the build host is: no target platform in the hash
    elif platform is not None and not isinstance(platform, FromPlatform):
        platforms = (platform,)
    for i, pattern in enumerate(table.get("inputs") or ()):
        if (problem := input_pattern_problem(pattern)) is not None:
            raise error(f"inputs[{i}]", problem)
    return Stage(
        label=label,
        file=target.file,
        key=key,
        parent=parent,
        steps=steps,
        inputs=tuple(table.get("inputs") or ()),
        args=tuple(sorted((table.get("args") or {}).items())),
        platforms=platforms,
        line=target.line,
        platform=platform,
    )


def from_platform(
    value: str | None, error: Callable[[str], LoadError]
) -> FromPlatform | str | None:
    """The `platform` key: 'build', 'target' or one os/arch."""
    if value is None:
        return None
    if value in {p.value for p in FromPlatform}:
        return FromPlatform(value)
    if not PLATFORM_RE.match(value):
        raise error(
            f"invalid platform {value!r}: 'build' (FROM --platform=$BUILDPLATFORM), 'target' "
            "or one os/arch such as linux/arm64"
        )
    return value


def expand_stages(target: Target, config: Stages, context: Context) -> Expansion:
    """One Stage per [[target.stage]] (or one from the target's own keys); the output is the
    stage named like the target, else the last one."""
    settings = context.settings
    tables: Sequence[Mapping[str, Any]] = config.stage
    own = {k: target.config[k] for k in STAGE_KEYS if target.config.get(k) not in (None, (), {})}
    if tables and own:
        raise LoadError(
            f"give either [[target.stage]] tables or the stage keys ({', '.join(sorted(own))}) "
            "on the target, not both",
            file=target.file,
            line=target.line,
            label=str(target.label),
            key=sorted(own)[0],
        )
    stages: tuple[Stage, ...]
    if not tables:
        stages = (make_stage(target, settings, None, own, ""),)
    else:
        stages = tuple(stage_from_table(target, settings, i, t) for i, t in enumerate(tables))
    seen: dict[Label, str] = {}
    for stage in stages:
        if stage.label in seen:
            raise LoadError(
                f"duplicate stage name (also {seen[stage.label]})",
                file=target.file,
                line=target.line,
                label=str(stage.label),
                key=f"{stage.key}.name",
            )
        seen[stage.label] = stage.key
    output = next((s.label for s in stages if s.label == target.label), stages[-1].label)
    return Expansion(target=target, stages=stages, output=output)


def stage_from_table(
    target: Target, settings: Settings, index: int, table: Mapping[str, Any]
) -> Stage:
    """The index-th [[target.stage]] table; its name defaults to the target's name."""
    key = f"stage[{index}]"
    name = table.get("name") or target.label.name
    try:
        check_name(name, "stage name")
    except Exception as err:
        raise LoadError(
            str(err), file=target.file, line=target.line, label=str(target.label), key=f"{key}.name"
        ) from None
    return make_stage(target, settings, name, table, key)


RULE = Rule(
    name="stages",
    doc="Stages written by hand: still hashed, checked and shared like a rule's.",
    config=Stages,
    expand=expand_stages,
)

"""The rule API: a rule declares its config as a class of typed keys (each with its type,
default, doc, choices, and whether it names input paths or a label of a kind of target), and
an expand function from a target and its typed config to stages. The loader validates from
the keys, the JSON Schema is generated from them, and the graph checks the labels' kinds."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from graphbuild.core.errors import GraphbuildError, LoadError
from graphbuild.core.facts import Facts
from graphbuild.core.labels import Label, parse_label
from graphbuild.core.model import Expansion, LabelUse, Settings, Target
from graphbuild.core.uv import UvWorkspace
from graphbuild.definition.fields import (
    Constraint,
    Field,
    MatrixSugar,
    config_fields,
    config_schema,
    input_pattern_problem,
)

Config = TypeVar("Config")
NO_FACTS = Facts()


@attrs.frozen
class Context:
    """What a rule may read besides its own target: the workspace settings, the uv workspace,
    and the facts of the targets it names (expanded before it)."""

    settings: Settings
    uv: UvWorkspace | None = None
    facts: Mapping[Label, Facts] = attrs.field(factory=dict)

    def facts_of(self, label: Label) -> Facts:
        """The facts of the target `label` names (none for an unknown or external one)."""
        return self.facts.get(label.target, NO_FACTS)


ENTRY_POINT_GROUP = "graphbuild.rules"


@attrs.frozen
class Rule(Generic[Config]):
    """A target type: its doc, its config class and how it expands into stages."""

    name: str
    doc: str
    config: type[Config]
    expand: Callable[[Target, Config, Context], Expansion]  # its stages, from the typed config
    image_default: bool = False  # whether its targets are images unless `image = false`
    matrix_sugar: MatrixSugar | None = None  # a list key that stands for a matrix

    @property
    def schema(self) -> Mapping[str, Field]:
        """The keys its targets take (besides name, rule, image and matrix)."""
        return config_schema(self.config)

    def read(self, target: Target) -> Config:
        """The target's config as the typed class, with choices and label syntax checked (after
        matrix expansion: a `{{placeholder}}` is only then a value)."""
        return read_config(self.config, target)

    def label_uses(self, target: Target) -> tuple[LabelUse, ...]:
        """The labels the target's keys name, with the rules each must name a target of."""
        uses = []
        for key, (_, spec) in config_fields(self.config).items():
            value = target.config.get(key)
            if spec.names_label(value):
                assert isinstance(value, str)  # names_label says so
                label = parse_label(value, target.label.package)
                uses.append(LabelUse(key, label, spec.label_of))
        return tuple(uses)

    def run(
        self, target: Target, context: Context, uses: tuple[LabelUse, ...] | None = None
    ) -> Expansion:
        """Expand a target with this rule; the labels its keys name are part of the result
        (`uses`: those labels when the caller found them already)."""
        expansion = self.expand(target, self.read(target), context)
        found = uses if uses is not None else self.label_uses(target)
        return attrs.evolve(expansion, label_uses=found)


def read_config(config: type[Config], target: Target) -> Config:
    """The typed config of a loaded target (its keys were checked by the loader)."""
    values: dict[str, Any] = {}
    for key, (name, spec) in config_fields(config).items():
        value = target.config.get(key, spec.default)
        if spec.choices and value is not None and value not in spec.choices:
            raise LoadError.at(
                target, key, f"unknown {key} {value!r} (one of: {', '.join(spec.choices)})"
            )
        for i, path in enumerate(value if spec.input_paths and value is not None else ()):
            if (problem := input_pattern_problem(path)) is not None:
                raise LoadError.at(target, f"{key}[{i}]", problem)
        if spec.constraint is not None and value is not None:
            check_constraint(target, key, value, spec.constraint)
        if spec.names_label(value):
            try:
                parse_label(value, target.label.package)
            except GraphbuildError as err:
                raise LoadError.at(target, key, err.message) from None
        values[name] = value
    return config(**values)


def check_constraint(target: Target, key: str, value: Any, constraint: Constraint) -> None:
    """A value (each item of a list) as its key's constraint requires."""
    items = enumerate(value) if isinstance(value, list | tuple) else [(None, value)]
    for i, item in items:
        if (problem := constraint.problem(item)) is not None:
            raise LoadError.at(target, key if i is None else f"{key}[{i}]", problem)

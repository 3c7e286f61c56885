"""The rule API: a rule declares its config as a class of typed keys (each with its type,
default, doc, choices, and whether it names input paths or a label of a kind of target), and
an expand function from a target and its typed config to stages. The loader validates from
the keys, the JSON Schema is generated from them, and the graph checks the labels' kinds."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from graphbuild.core.errors import GraphbuildError, LoadError, RuleError
from graphbuild.core.facts import Facts
from graphbuild.core.labels import Label, parse_label
from graphbuild.core.model import Expansion, LabelUse, Settings, Target
from graphbuild.core.uv import UvWorkspace
from graphbuild.definition.fields import (
    Field,
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
    expand: Callable[[Target, Config, Settings], Expansion] | None = None
    image_default: bool = False  # whether its targets are images unless `image = false`
    matrix_sugar: tuple[str, str, str] | None = None  # (list key, matrix key, value key)
    # A rule that reads more than its target and the settings expands with the whole context.
    expand_in: Callable[[Target, Config, Context], Expansion] | None = None

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
        config = self.read(target)
        if self.expand_in is not None:
            expansion = self.expand_in(target, config, context)
        elif self.expand is not None:
            expansion = self.expand(target, config, context.settings)
        else:
            raise RuleError(f"rule {self.name} has neither expand nor expand_in")
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
        if spec.names_label(value):
            try:
                parse_label(value, target.label.package)
            except GraphbuildError as err:
                raise LoadError.at(target, key, err.message) from None
        values[name] = value
    return config(**values)

"""The installed rules: the built-in ones and those other packages ship under the
`graphbuild.rules` entry-point group (a team's own rule is a package, not a fork)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from graphbuild.core.errors import RuleError
from graphbuild.core.model import Expansion, Settings, Target
from graphbuild.rules.api import ENTRY_POINT_GROUP, Rule
from graphbuild.rules.builtin import (
    distro_base,
    python_app,
    python_dev,
    python_interpreter,
    python_wheels,
    stages,
)

BUILTIN: tuple[Rule[Any], ...] = (
    stages.RULE,
    distro_base.RULE,
    python_interpreter.RULE,
    python_wheels.RULE,
    python_app.RULE,
    python_dev.RULE,
)


@functools.cache
def installed_rules() -> Mapping[str, Rule[Any]]:
    """Rule name -> rule: the built-in ones, then each entry point of the group (its name is
    the rule's; it loads to a Rule)."""
    from importlib import metadata  # 30 ms to import: only when a graph is built

    rules: dict[str, Rule[Any]] = {rule.name: rule for rule in BUILTIN}
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        where = f"entry point {entry.name} = {entry.value!r} ({ENTRY_POINT_GROUP})"
        if entry.name in rules:
            raise RuleError(f"{where}: a rule named {entry.name!r} exists already")
        try:
            rule = entry.load()
        except Exception as err:
            raise RuleError(f"{where}: cannot be loaded: {err}") from None
        if not isinstance(rule, Rule) or rule.name != entry.name:
            raise RuleError(f"{where}: expected a graphbuild Rule named {entry.name!r}")
        rules[entry.name] = rule
    return rules


def expand(target: Target, settings: Settings) -> Expansion:
    """Expand one target with its rule."""
    return installed_rules()[target.rule].run(target, settings)

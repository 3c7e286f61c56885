"""The rule registry: rule name → its keys and the function expanding a target into stages."""

from __future__ import annotations

from collections.abc import Mapping

from graphbuild.core.model import Expansion, Settings, Target
from graphbuild.rules.api import Rule
from graphbuild.rules.builtin import (
    distro_base,
    python_app,
    python_dev,
    python_interpreter,
    python_wheels,
    stages,
)

RULES: Mapping[str, Rule] = {
    rule.name: rule
    for rule in (
        stages.RULE,
        distro_base.RULE,
        python_interpreter.RULE,
        python_wheels.RULE,
        python_app.RULE,
        python_dev.RULE,
    )
}


def expand(target: Target, settings: Settings) -> Expansion:
    """Expand one target with its rule."""
    return RULES[target.rule].expand(target, settings)

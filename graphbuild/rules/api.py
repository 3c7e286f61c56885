"""The Rule type every built-in rule module declares."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from graphbuild.core.model import Expansion, Settings, Target
from graphbuild.definition.fields import Key


@attrs.frozen
class Rule:
    """A target type: the keys it accepts and how it expands into stages."""

    name: str
    schema: Mapping[str, Key]
    expand: Callable[[Target, Settings], Expansion]
    image_default: bool = False  # whether its targets are images unless `image = false`
    matrix_sugar: tuple[str, str, str] | None = None  # (list key, matrix key, value key)

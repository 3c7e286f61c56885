"""Matrix targets: one target per variant, `{{key}}` substituted in its strings.

Two forms: a table of value arrays (`python = ["3.11", "3.12"]`, every combination; the variant
is the values joined with ',') or a table of named variants (`[target.matrix."3.11"]` with
`python = "3.11"`, `distro = "bookworm"`; the variant is the table's name).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from typing import Any

from graphbuild.core.errors import LoadError
from graphbuild.core.labels import NAME_RE

PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
VALUE_RE = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*\Z")
UNSUBSTITUTED = ("name", "rule", "matrix")
MAX_VARIANTS = 256  # per target: a typo (two keys of 300 values) must fail, not run for minutes

Variant = tuple[str | None, tuple[tuple[str, str], ...], dict[str, Any]]
ErrorFn = Callable[[str, str], LoadError]


def variants(matrix: dict[str, Any], error: ErrorFn) -> list[tuple[str, dict[str, str]]]:
    """(variant name, {key: value}) for every variant of a matrix, in a stable order."""
    if not matrix:
        return []
    if all(isinstance(v, dict) for v in matrix.values()):
        named = []
        for name, values in sorted(matrix.items()):
            if not VALUE_RE.match(name):
                raise error(
                    f"matrix.{name}",
                    f"invalid variant name {name!r}: use letters, digits, '.', '_', '-'",
                )
            if not values:
                raise error(f"matrix.{name}", "a variant needs at least one key")
            for key in values:
                if not NAME_RE.match(key):
                    raise error(f"matrix.{name}.{key}", "matrix keys are lowercase names")
            named.append((name, dict(sorted(values.items()))))
        if len(named) > MAX_VARIANTS:
            raise error("matrix", f"{len(named)} variants is more than the limit of {MAX_VARIANTS}")
        key_sets = {frozenset(v) for _, v in named}
        if len(key_sets) > 1:
            raise error("matrix", "every variant must set the same keys")
        return named
    for key, values in matrix.items():
        if not NAME_RE.match(key):
            raise error(f"matrix.{key}", "matrix keys are lowercase names")
        if not values:
            raise error(f"matrix.{key}", "needs at least one value")
        for value in values:
            if not VALUE_RE.match(value):
                raise error(
                    f"matrix.{key}", f"invalid value {value!r}: use letters, digits, '.', '_', '-'"
                )
        if len(set(values)) != len(values):
            raise error(f"matrix.{key}", "values repeat")
    keys = sorted(matrix)
    count = math.prod(len(matrix[k]) for k in keys)
    if count > MAX_VARIANTS:
        sizes = " x ".join(f"{len(matrix[k])} {k}" for k in keys)
        raise error(
            "matrix", f"{count} variants ({sizes}) is more than the limit of {MAX_VARIANTS}"
        )
    return [
        (",".join(combo), dict(zip(keys, combo, strict=True)))
        for combo in itertools.product(*(matrix[k] for k in keys))
    ]


def expand_matrix(raw: dict[str, Any], error: ErrorFn) -> list[Variant]:
    """(variant, ((key, value), …), config) per variant; one (None, (), config) without a matrix."""
    found = variants(raw["matrix"], error)
    if not found:
        return [(None, (), substitute(raw, {}, error))]
    return [(name, tuple(values.items()), substitute(raw, values, error)) for name, values in found]


def substitute(raw: dict[str, Any], values: dict[str, str], error: ErrorFn) -> dict[str, Any]:
    """A copy of `raw` with `{{key}}` replaced by the matrix values in every string."""

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, str):
            return PLACEHOLDER_RE.sub(lambda m: lookup(m.group(1), path), value)
        if isinstance(value, list):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: walk(v, f"{path}.{k}" if path else k) for k, v in value.items()}
        return value

    def lookup(name: str, path: str) -> str:
        if name not in values:
            known = ", ".join(sorted(values)) or "none: the target has no matrix"
            raise error(path, f"unknown matrix placeholder {{{{{name}}}}} (matrix keys: {known})")
        return values[name]

    return {k: (v if k in UNSUBSTITUTED else walk(v, k)) for k, v in raw.items()}

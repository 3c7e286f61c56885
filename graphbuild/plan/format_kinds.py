"""The names of the plan's output formats: what `plan --format` takes (kept apart from the
renderers so the command line knows them without importing them)."""

from __future__ import annotations

import enum


class PlanFormat(enum.StrEnum):
    """How `graphbuild plan` prints the plan."""

    TEXT = "text"  # statuses and reasons, for people
    JSON = "json"  # the plan JSON document (schema 1)
    GITHUB_MATRIX = "github-matrix"  # the rebuilt images by level, for a CI matrix

"""The names of the plan's output formats: what `plan --format` and `build --digests-format`
take (kept apart from the renderers so the command line knows them without importing them)."""

from __future__ import annotations

import enum


class PlanFormat(enum.StrEnum):
    """How `graphbuild plan` prints the plan."""

    TEXT = "text"  # statuses and reasons, for people
    JSON = "json"  # the plan JSON document (schema 1)
    GITHUB_MATRIX = "github-matrix"  # the rebuilt images by level, for a CI matrix


class DigestsFormat(enum.StrEnum):
    """What the digests file is written as."""

    JSON = "json"  # image -> tag, pinned (the tag's index or manifest), per-platform
    KUSTOMIZE = "kustomize"  # a kustomization's `images:` list: name and digest
    HELM = "helm"  # values: images.<name>.repository / digest / tag

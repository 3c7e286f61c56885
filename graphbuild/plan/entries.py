"""The plan as data: each image's and stage's status against a baseline, with its reasons."""

from __future__ import annotations

import enum
from typing import Any

import attrs

from graphbuild.core.printable import printable


class Status(enum.StrEnum):
    """What becomes of an image or stage (the values are the JSON schema's)."""

    UNCHANGED = "unchanged"
    REBUILD = "rebuild"
    NEW = "new"
    REMOVED = "removed"


class ReasonKind(enum.StrEnum):
    """The kinds of rebuild reason (the values are the JSON schema's)."""

    INPUT_CHANGED = "input_changed"
    INPUT_MODE_CHANGED = "input_mode_changed"
    INPUT_ADDED = "input_added"
    INPUT_REMOVED = "input_removed"
    DEFINITION_CHANGED = "definition_changed"
    BASE_CHANGED = "base_changed"
    UPSTREAM = "upstream"
    UNRECORDED = "unrecorded"
    LOCK_CHANGED = "lock_changed"  # a package of the image's lock slice moved
    INTERNAL_LIBRARY = "internal_library"  # an internal library's files changed


class EntryKind(enum.StrEnum):
    """What a plan entry is."""

    IMAGE = "image"
    STAGE = "stage"


@attrs.frozen
class Reason:
    """Why something rebuilds: one changed file, key, base image or upstream stage."""

    kind: ReasonKind
    path: str | None = None
    key: str | None = None
    label: str | None = None
    old: str | None = None
    new: str | None = None

    @property
    def upstream(self) -> bool:
        """True when the cause lies in another stage."""
        return self.kind is ReasonKind.UPSTREAM

    def sentence(self) -> str:
        """The reason in words."""
        path = printable(self.path or "")
        texts = {
            ReasonKind.INPUT_CHANGED: f"input changed: {path}",
            ReasonKind.INPUT_MODE_CHANGED: (
                f"input mode changed: {path} ({self.old} -> {self.new})"
            ),
            ReasonKind.INPUT_ADDED: f"input added: {path}",
            ReasonKind.INPUT_REMOVED: f"input removed: {path}",
            ReasonKind.DEFINITION_CHANGED: f"definition changed: {self.key}",
            ReasonKind.BASE_CHANGED: f"base image changed: {self.old} -> {self.new}",
            ReasonKind.UPSTREAM: f"upstream rebuilds: {self.label}",
            ReasonKind.LOCK_CHANGED: (
                f"lock: {self.key} {self.old or '(none)'} -> {self.new or '(none)'}"
            ),
            ReasonKind.INTERNAL_LIBRARY: f"internal library {self.label}: {path}",
            ReasonKind.UNRECORDED: "changed; the previous state is not in the local cache "
            "(use --since REF to recompute it from git)",
        }
        return texts[self.kind]

    def to_json(self) -> dict[str, str]:
        """The reason as a JSON object, absent fields left out."""
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}


@attrs.frozen
class Entry:
    """One image or stage of the plan."""

    label: str
    kind: EntryKind
    hash: str | None
    previous: str | None
    status: Status
    reasons: tuple[Reason, ...] = ()
    chain: tuple[str, ...] = ()  # from this entry down to the stage with the first own cause
    chain_skipped: int = 0  # labels of a long chain left out after its first CHAIN_ENDS
    in_registry: bool = False  # its hash tag is pushed already (plan --registry)

    @property
    def own(self) -> tuple[Reason, ...]:
        """Reasons that are changes of this stage itself."""
        return tuple(r for r in self.reasons if not r.upstream)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON form of an entry."""
        data: dict[str, Any] = {
            "label": self.label,
            "kind": self.kind,
            "hash": self.hash,
            "previous": self.previous,
            "status": self.status,
            "reasons": [r.to_json() for r in self.reasons],
        }
        if self.chain:
            data["chain"] = list(self.chain)
        if self.chain_skipped:
            data["chain_skipped"] = self.chain_skipped
        if self.in_registry:
            data["in_registry"] = True
        return data


@attrs.frozen
class Plan:
    """Every entry, sorted by label."""

    entries: tuple[Entry, ...]

    @property
    def changed(self) -> bool:
        """True when anything would be built or was removed."""
        return any(e.status != Status.UNCHANGED for e in self.entries)

    def to_json(self) -> dict[str, Any]:
        """The `plan --format json` document."""
        return {"targets": [e.to_json() for e in self.entries]}

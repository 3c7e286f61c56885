"""The stored stage records (what each hash covered), so a plan can name what changed: one
record per stage hash, so a plan reads only the records of the stages that moved and writes
only the records it has not stored yet."""

from __future__ import annotations

from collections.abc import Iterable

from graphbuild.hashing.stages import StageRecord
from graphbuild.state.kinds import STAGE_RECORDS
from graphbuild.state.store import Store


def record_key(digest: str) -> str:
    """The store key of the record of the stage with hash `digest`."""
    return digest.removeprefix("sha256:")


def load_records(store: Store, digests: Iterable[str]) -> dict[str, StageRecord]:
    """Hash -> record for those of `digests` stored and intact (a missing or damaged one is
    left out: the store is only a cache)."""
    found: dict[str, StageRecord] = {}
    for digest in digests:
        data = store.get(STAGE_RECORDS, record_key(digest))
        try:
            record = StageRecord.from_json(data) if data is not None else None
        except (KeyError, TypeError, AttributeError, ValueError):  # sealed, but not a record
            record = None
        if record is not None and record.hash == digest:
            found[digest] = record
    return found


def save_records(store: Store, current: Iterable[StageRecord], keep: Iterable[str] = ()) -> None:
    """Store the current records not stored yet; drop those neither current nor named by
    `keep` (the baseline's stages)."""
    stored = store.keys(STAGE_RECORDS)
    wanted: set[str] = set()
    written: set[str] = set()
    for record in current:
        key = record_key(record.hash)
        wanted.add(key)
        if key not in stored and key not in written:  # a stage of both commits: once
            store.write(STAGE_RECORDS, record.to_json(), key)
            written.add(key)
    wanted |= {record_key(digest) for digest in keep}
    for key in stored - wanted:
        store.discard(STAGE_RECORDS, key)


def refresh_records(store: Store, records: Iterable[StageRecord]) -> None:
    """Store these records again, over any stored under their hash (they gained the files of
    folders read from git's trees, which the next plan then need not read)."""
    for record in records:
        store.write(STAGE_RECORDS, record.to_json(), record_key(record.hash))

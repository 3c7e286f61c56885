"""The local store of stage records (what each hash covered), so a plan can name what changed:
one sealed file per stage hash, so a plan reads only the records of the stages that moved and
writes only the records it has not stored yet."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

from graphbuild.hashing.stages import StageRecord
from graphbuild.state.store import read_sealed, write_sealed

RECORDS_DIR = "records.v6"
RECORDS_MAGIC = "graphbuild-record-6"


def record_path(cache_dir: Path, digest: str) -> Path:
    """Where the record of the stage with hash `digest` is kept."""
    return cache_dir / RECORDS_DIR / digest.removeprefix("sha256:")


def load_records(cache_dir: Path, digests: Iterable[str]) -> dict[str, StageRecord]:
    """Hash → record for those of `digests` stored and intact (a missing or damaged one is
    left out: the store is only a cache)."""
    found: dict[str, StageRecord] = {}
    for digest in digests:
        data = read_sealed(record_path(cache_dir, digest), RECORDS_MAGIC)
        try:
            record = StageRecord.from_json(data) if isinstance(data, dict) else None
        except (KeyError, TypeError, AttributeError, ValueError):  # an older layout
            record = None
        if record is not None and record.hash == digest:
            found[digest] = record
    return found


def save_records(cache_dir: Path, current: Iterable[StageRecord], keep: Iterable[str] = ()) -> None:
    """Store the current records not stored yet; drop those neither current nor named by
    `keep` (the baseline's stages)."""
    folder = cache_dir / RECORDS_DIR
    try:
        stored = set(os.listdir(folder))
    except OSError:
        stored = set()
    wanted: set[str] = set()
    for record in current:
        name = record.hash.removeprefix("sha256:")
        wanted.add(name)
        if name not in stored:
            write_sealed(folder / name, RECORDS_MAGIC, record.to_json())
    wanted |= {digest.removeprefix("sha256:") for digest in keep}
    for name in stored - wanted:
        if not name.startswith("."):
            with contextlib.suppress(OSError):
                os.unlink(folder / name)

"""The local store of stage records (what each hash covered), so a plan can name what changed."""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping
from pathlib import Path

from graphbuild.hashing import StageRecord
from graphbuild.writes import write_atomic

RECORDS_FILE = "records.v2.pickle"
RECORDS_MAGIC = "graphbuild-records-2"


def load_records(cache_dir: Path) -> dict[str, StageRecord]:
    """Hash → record; empty when the store is missing or corrupt (it is only a cache)."""
    try:
        with open(cache_dir / RECORDS_FILE, "rb") as handle:
            magic, data = pickle.load(handle)
        if magic != RECORDS_MAGIC:
            return {}
        return {h: StageRecord.from_json(r) for h, r in data.items()}
    except Exception:
        return {}


def save_records(
    cache_dir: Path,
    old: Mapping[str, StageRecord],
    current: Iterable[StageRecord],
    keep: Iterable[str] = (),
) -> None:
    """Store the current records, keeping older ones still named by `keep` (the baseline)."""
    kept = set(keep)
    merged = {h: r for h, r in old.items() if h in kept}
    merged.update({r.hash: r for r in current})
    if merged.keys() == old.keys():
        return
    data = {h: r.to_json() for h, r in merged.items()}
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(cache_dir / RECORDS_FILE, pickle.dumps((RECORDS_MAGIC, data), protocol=5))
    except OSError:
        pass

"""The local store of stage records (what each hash covered), so a plan can name what changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from graphbuild.cache import read_sealed, write_sealed
from graphbuild.hashing import StageRecord

RECORDS_FILE = "records.v4.pickle"
RECORDS_MAGIC = "graphbuild-records-4"


def load_records(cache_dir: Path) -> dict[str, StageRecord]:
    """Hash → record; empty when the store is missing or corrupt (it is only a cache)."""
    data = read_sealed(cache_dir / RECORDS_FILE, RECORDS_MAGIC)
    try:
        return {h: StageRecord.from_json(r) for h, r in data.items()} if data else {}
    except (KeyError, TypeError, AttributeError, ValueError):  # an older layout
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
    write_sealed(
        cache_dir / RECORDS_FILE, RECORDS_MAGIC, {h: r.to_json() for h, r in merged.items()}
    )

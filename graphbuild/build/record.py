"""The local record of what `graphbuild build` has built: image label -> content hash."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from graphbuild.core.writes import write_atomic

BUILT_FILE = "built.json"


def load_built(cache_dir: Path) -> dict[str, str]:
    """Label -> hash of images built here; empty when missing or damaged (it is only a cache)."""
    try:
        data = json.loads((cache_dir / BUILT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return {}
    return data


def record_built(cache_dir: Path, built: Mapping[str, str]) -> None:
    """Add freshly built images to the record."""
    merged = {**load_built(cache_dir), **built}
    write_atomic(cache_dir / BUILT_FILE, json.dumps(dict(sorted(merged.items())), indent=2) + "\n")

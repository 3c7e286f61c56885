"""Every kind of record kept in `.graphbuild/` below the analysis, declared once: name,
version, codec, shape, and whether it is bound to graphbuild's code. (The analysis memos
declare theirs in `graphbuild.analysis.memo`, beside the classes they hold.)"""

from __future__ import annotations

from typing import Any

from graphbuild.hashing.lockfile import Lock
from graphbuild.state.store import Codec, Kind


def is_built_map(value: dict[Any, Any]) -> bool:
    """label -> {"hash": str, "image": str or null}."""
    return all(
        isinstance(k, str)
        and isinstance(v, dict)
        and v.keys() == {"hash", "image"}
        and isinstance(v["hash"], str)
        and (v["image"] is None or isinstance(v["image"], str))
        for k, v in value.items()
    )


def is_parsed_lock(value: tuple[Any, ...]) -> bool:
    """(SHA-256 of the lock text, lock path, Lock)."""
    return (
        len(value) == 3
        and isinstance(value[0], bytes)
        and isinstance(value[1], str)
        and isinstance(value[2], Lock)
    )


# plain data: valid whatever graphbuild wrote it
# 5: blob ids instead of SHA-256 of the bytes; 7: packed rows (graphbuild.state.digests)
STAT_DIGESTS = Kind("digests-by-stat", 7, Codec.BYTES, bytes, code_bound=False)
# 8: inputs carry blob ids; 9: folder inputs by tree id, with the files of computed ones
STAGE_RECORDS = Kind("records", 9, Codec.JSON, dict, code_bound=False, keyed=True)
# 3: each image's record holds the digest the engine reported beside the content hash
BUILT_IMAGES = Kind("built", 3, Codec.JSON, dict, code_bound=False, check=is_built_map)
# graphbuild's classes: a record from other code (an attrs class that has since gained a
# field) must never load
PARSED_LOCK = Kind("parsed-lock", 2, Codec.DATA, tuple, code_bound=True, check=is_parsed_lock)

"""The lock file: a sorted, reviewable TOML record of every target's and stage's hash."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping

import attrs
import tomli_w

from graphbuild.core.errors import BaselineError
from graphbuild.core.model import Workspace
from graphbuild.hashing.stages import Hashes

LOCK_VERSION = 1
HEADER = "# Content hashes of every target and stage. Written by `graphbuild lock`; do not edit.\n"
HASH_RE = re.compile(r"sha256:[0-9a-f]{64}\Z")


@attrs.frozen
class Lock:
    """Label → hash for image targets, other targets and stages; external image references."""

    images: Mapping[str, str] = attrs.field(factory=dict)
    targets: Mapping[str, str] = attrs.field(factory=dict)
    stages: Mapping[str, str] = attrs.field(factory=dict)
    externals: Mapping[str, str] = attrs.field(factory=dict)


def make_lock(workspace: Workspace, hashes: Hashes) -> Lock:
    """The lock for the current hashes."""
    images = {str(t.label) for t in workspace.targets if t.image is not None}
    targets = {str(k): v for k, v in hashes.targets.items()}
    return Lock(
        images={k: v for k, v in sorted(targets.items()) if k in images},
        targets={k: v for k, v in sorted(targets.items()) if k not in images},
        stages={str(k): r.hash for k, r in sorted(hashes.stages.items(), key=lambda i: str(i[0]))},
        externals={k: e.image for k, e in sorted(workspace.externals.items())},
    )


def render_lock(lock: Lock) -> str:
    """The lock as TOML text, every table sorted."""
    document = {
        "version": LOCK_VERSION,
        "external": dict(sorted(lock.externals.items())),
        "images": dict(sorted(lock.images.items())),
        "targets": dict(sorted(lock.targets.items())),
        "stages": dict(sorted(lock.stages.items())),
    }
    return HEADER + tomli_w.dumps(document)


def parse_lock(text: str, file: str) -> Lock:
    """Read a lock file; a malformed one is a BaselineError naming the file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise BaselineError(f"unreadable lock file: {err}", file=file) from None
    if data.get("version") != LOCK_VERSION:
        raise BaselineError(
            f"unsupported lock version {data.get('version')!r} (expected {LOCK_VERSION}); "
            "run `graphbuild lock` to rewrite it",
            file=file,
            key="version",
        )
    tables = {}
    for key in ("images", "targets", "stages", "external"):
        table = data.get(key, {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise BaselineError("expected a table of strings", file=file, key=key)
        if key != "external":
            bad = [k for k, v in table.items() if not HASH_RE.match(v)]
            if bad:
                raise BaselineError("expected sha256:<64 hex>", file=file, key=f"{key}.{bad[0]}")
        tables[key] = table
    return Lock(
        images=tables["images"],
        targets=tables["targets"],
        stages=tables["stages"],
        externals=tables["external"],
    )

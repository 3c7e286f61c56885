"""Split the one plain-progress stream of `docker buildx bake` into a log per bake target.

Bake names a vertex `[target stage k/m] …` when it builds several targets, `[stage k/m] …`
when it builds one. A step that several targets share is shown once, under whichever target
reached it first, so a vertex is routed by its *stage* to every wanted target built on that
stage (the same Dockerfile stage is the same steps in every target); `[target internal]` and
`[target] exporting …` vertices go to their target. A vertex that ends in `ERROR` fails every
target it is routed to; the error report bake prints after it (`------`, the Dockerfile
excerpt, `ERROR: failed to solve`) goes to those targets' logs too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import attrs

VERTEX_RE = re.compile(r"^#(\d+) \[([^\]]+)\](?: |$)")
LINE_RE = re.compile(r"^#(\d+) ")
STEP_COUNT_RE = re.compile(r"^\d+/\d+$")
INTERNAL = "internal"


@attrs.define
class BakeDemux:
    """Routes each line of a bake run's plain progress to the bake targets it concerns."""

    targets: tuple[str, ...]
    stage_users: Mapping[str, frozenset[str]]
    owners: dict[str, tuple[str, ...]] = attrs.field(factory=dict)
    failed: set[str] = attrs.field(factory=set)
    last: tuple[str, ...] = ()

    def route(self, line: str) -> tuple[str, ...]:
        """The targets `line` belongs to (in `targets` order)."""
        if match := VERTEX_RE.match(line):
            owners = self.vertex_owners(match.group(2).split())
            self.owners[match.group(1)] = owners
        elif match := LINE_RE.match(line):
            owners = self.owners.get(match.group(1), self.targets)
            if line[match.end() :].startswith("ERROR"):
                self.failed.update(owners)
        elif self.failed:
            owners = tuple(t for t in self.targets if t in self.failed)
        elif not line.strip():
            owners = self.last
        else:
            owners = self.targets
        self.last = owners
        return owners

    def vertex_owners(self, words: Sequence[str]) -> tuple[str, ...]:
        """Who a vertex named `[words…]` belongs to."""
        if len(self.targets) > 1 and words and words[0] in self.targets:
            target, words = words[0], words[1:]
        else:
            target = None
        if words and words[0] != INTERNAL and (len(words) == 1 or STEP_COUNT_RE.match(words[1])):
            users = self.stage_users.get(words[0], frozenset())
            if users:
                return tuple(t for t in self.targets if t in users)
        if target is not None:
            return (target,)
        return self.targets


def split_log(
    text: str, targets: Sequence[str], stage_users: Mapping[str, frozenset[str]]
) -> tuple[dict[str, list[str]], set[str]]:
    """Each target's lines of a whole bake log, and the targets that failed."""
    demux = BakeDemux(tuple(targets), stage_users)
    logs: dict[str, list[str]] = {t: [] for t in targets}
    for line in text.splitlines():
        for target in demux.route(line):
            logs[target].append(line)
    return logs, demux.failed

"""Failures that stay local, for the bake driver: one failed image makes bake cancel every
other one, related or not, so the images a failure does not concern (not built on the failed
one) are built again in a further bake run; an image built on a failed one is skipped; an image
whose failure was the registry's (a 5xx answer while pushing) is retried after a pause."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence

import attrs

from graphbuild.build.docker import REGISTRY_5XX, RETRY_PAUSES
from graphbuild.build.runner import JobStatus, Outcome
from graphbuild.core.labels import Label

SERVER_ERROR_RE = re.compile(REGISTRY_5XX)

Round = Callable[[Sequence[Label]], Sequence[tuple[Label, Outcome]]]


def transient(outcome: Outcome) -> bool:
    """A failure the registry caused (its log's tail has a 5xx answer): worth another try."""
    return outcome.status is JobStatus.FAILED and any(
        SERVER_ERROR_RE.search(line) for line in outcome.tail
    )


def build_in_rounds(
    wanted: Sequence[Label],
    built_on: Mapping[Label, tuple[Label, ...]],
    run_round: Round,
    fail_fast: bool,
    report: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> dict[Label, Outcome]:
    """Each wanted image's outcome after as many rounds as it takes: OK, FAILED, SKIPPED
    (built on an image that failed) or CANCELLED (`fail_fast`: the first failing round ends
    it all)."""
    results: dict[Label, Outcome] = {}
    tries: dict[Label, int] = {}
    remaining = list(wanted)
    while remaining:
        for label, outcome in run_round(remaining):
            results[label] = outcome
        failed = [lb for lb in remaining if results[lb].status is JobStatus.FAILED]
        if not failed or fail_fast:
            break
        retry = [
            lb for lb in failed if transient(results[lb]) and tries.get(lb, 0) < len(RETRY_PAUSES)
        ]
        broken = {lb for lb in failed if lb not in retry}
        again = []
        for label in remaining:  # an image that failed in a stage of a failed one it is built on
            if results[label].status is JobStatus.FAILED and set(built_on.get(label, ())) & broken:
                results[label] = attrs.evolve(results[label], status=JobStatus.CANCELLED)
        for label in remaining:
            if results[label].status is not JobStatus.CANCELLED:
                continue
            upstream = sorted(set(built_on.get(label, ())) & broken)
            if upstream:
                broken.add(label)
                results[label] = Outcome(str(label), JobStatus.SKIPPED, log=results[label].log)
                report(f"[{label}] skipped: built on {', '.join(map(str, upstream))}, which failed")
            else:
                again.append(label)
        if retry:
            pause = max(RETRY_PAUSES[tries.get(lb, 0)] for lb in retry)
            for label in retry:
                tries[label] = tries.get(label, 0) + 1
            report(f"the registry failed {', '.join(map(str, retry))}: again in {pause:.0f}s")
            sleep(pause)
        if again:
            report(f"building again what the failure cancelled: {', '.join(map(str, again))}")
        remaining = [lb for lb in wanted if lb in set(again) | set(retry)]
    return results

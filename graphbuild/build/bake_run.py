"""Run one `docker buildx bake` and report it per target: live progress, a log per target,
a failure attributed to its target with that target's tail, the image digests bake wrote."""

from __future__ import annotations

import contextlib
import json
import queue
import time
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from graphbuild.build.bake_log import BakeDemux
from graphbuild.build.docker import Job
from graphbuild.build.runner import STEP_RE, TAIL_LINES, JobStatus, Outcome, cancel, start
from graphbuild.core.writes import open_log


def read_metadata(path: Path) -> dict[str, str]:
    """Bake target -> the image digest bake's --metadata-file says it built."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(document, dict):
        return {}
    digests = {}
    for name, entry in document.items():
        if isinstance(entry, dict) and isinstance(entry.get("containerimage.digest"), str):
            digests[name] = entry["containerimage.digest"]
    return digests


def run_bake(
    job: Job,
    stage_users: Mapping[str, frozenset[str]],
    log_dir: Path,
    cwd: Path,
    environ: Mapping[str, str],
    report: Callable[[str], None],
    makes_images: bool = True,
) -> list[Outcome]:
    """Run the bake job; one Outcome per bake target of `job`, in its order. Where the targets
    make no image (test stages: output type=cacheonly), success is bake's exit status alone."""
    assert job.metadata is not None
    log_dir.mkdir(parents=True, exist_ok=True)
    metadata = cwd / job.metadata
    metadata.unlink(missing_ok=True)
    demux = BakeDemux(job.targets, stage_users)
    events: queue.Queue[tuple[str, str, object]] = queue.Queue()
    tails = {t: deque[str](maxlen=TAIL_LINES) for t in job.targets}
    with contextlib.ExitStack() as files:
        logs: dict[str, IO[str]] = {
            t: files.enter_context(open_log(log_dir / f"{t}.log")) for t in job.targets
        }
        for target, label in zip(job.targets, job.builds, strict=True):
            report(f"[{target}] building {label}")
        running = start(job, log_dir, cwd, environ, events)
        try:
            while True:
                kind, _name, payload = events.get()
                if kind == "exit":
                    break
                assert isinstance(payload, str)
                for target in demux.route(payload):
                    logs[target].write(payload + "\n")
                    tails[target].append(payload)
                    if STEP_RE.match(payload):
                        report(f"[{target}] {payload}")
        except KeyboardInterrupt:
            cancel([running], report)
            raise
    seconds = time.monotonic() - running.started
    digests = read_metadata(metadata) if payload == 0 else {}
    # A bake that failed before any step (a bad bake file, no builder) failed every target.
    failed = demux.failed or (set(job.targets) if payload != 0 else set())
    outcomes = []
    for target in job.targets:
        log = str(log_dir / f"{target}.log")
        if target in digests:
            outcomes.append(Outcome(target, JobStatus.OK, seconds, log, image=digests[target]))
            report(f"[{target}] built in {seconds:.1f}s: {digests[target]}")
        elif payload == 0 and not makes_images:
            outcomes.append(Outcome(target, JobStatus.OK, seconds, log))
            report(f"[{target}] passed in {seconds:.1f}s")
        elif target in failed or payload == 0:
            outcomes.append(Outcome(target, JobStatus.FAILED, seconds, log, tuple(tails[target])))
            why = f"exit {payload}" if payload != 0 else "bake wrote no image digest for it"
            report(f"[{target}] FAILED after {seconds:.1f}s ({why}); log: {log}")
            for line in tails[target]:
                report(f"[{target}] | {line}")
        else:
            outcomes.append(Outcome(target, JobStatus.CANCELLED, seconds, log))
    return outcomes

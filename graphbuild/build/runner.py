"""Run build jobs: dependency order, up to N at once, live progress, clean cancellation."""

from __future__ import annotations

import contextlib
import enum
import os
import queue
import re
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import attrs

from graphbuild.build.docker import Job

STEP_RE = re.compile(r"^#\d+ (\[.*\] .*|CACHED|DONE [\d.]+s|ERROR.*)$")
TAIL_LINES = 30


class JobStatus(enum.StrEnum):
    """How a job ended."""

    OK = "ok"
    FAILED = "failed"
    CANCELLED = "cancelled"  # never ran, or was stopped
    PENDING = "pending"  # not ended yet


@attrs.frozen
class Outcome:
    """How one job ended: ok, failed (with its log's tail) or cancelled (never ran or stopped)."""

    name: str
    status: JobStatus
    seconds: float = 0.0
    log: str | None = None
    tail: tuple[str, ...] = ()


def run_jobs(
    jobs: Sequence[Job],
    limit: int,
    log_dir: Path,
    cwd: Path,
    environ: Mapping[str, str],
    report: Callable[[str], None],
) -> list[Outcome]:
    """Run each job whose needs succeeded, `limit` at a time; the first failure cancels the rest."""
    log_dir.mkdir(parents=True, exist_ok=True)
    events: queue.Queue[tuple[str, str, object]] = queue.Queue()
    pending = {job.name: job for job in jobs}
    running: dict[str, tuple[subprocess.Popen[bytes], float, deque[str]]] = {}
    outcomes: dict[str, Outcome] = {}
    failed = False
    while pending or running:
        if not failed:
            for name, job in list(pending.items()):
                if len(running) >= limit:
                    break
                if all(
                    outcomes.get(n, Outcome(n, JobStatus.PENDING)).status is JobStatus.OK
                    for n in job.needs
                ):
                    del pending[name]
                    running[name] = start(job, log_dir, cwd, environ, events)
                    report(f"[{name}] building {job.label}")
        if not running:
            for name in pending:
                outcomes[name] = Outcome(name, JobStatus.CANCELLED)
            break
        kind, name, payload = events.get()
        if kind == "line":
            assert isinstance(payload, str)
            running[name][2].append(payload)
            if STEP_RE.match(payload):
                report(f"[{name}] {payload}")
            continue
        _process, started, tail = running.pop(name)
        seconds = time.monotonic() - started
        log = str(log_dir / f"{name}.log")
        if payload == 0:
            outcomes[name] = Outcome(name, JobStatus.OK, seconds, log)
            report(f"[{name}] built in {seconds:.1f}s")
        else:
            status = JobStatus.CANCELLED if failed else JobStatus.FAILED
            outcomes[name] = Outcome(name, status, seconds, log, tuple(tail))
            if not failed:
                failed = True
                report(f"[{name}] FAILED after {seconds:.1f}s (exit {payload}); log: {log}")
                for line in tail:
                    report(f"[{name}] | {line}")
                cancel(running, report)
    return [outcomes.get(job.name, Outcome(job.name, JobStatus.CANCELLED)) for job in jobs]


def start(
    job: Job,
    log_dir: Path,
    cwd: Path,
    environ: Mapping[str, str],
    events: queue.Queue[tuple[str, str, object]],
) -> tuple[subprocess.Popen[bytes], float, deque[str]]:
    """Start one job in its own process group; a thread copies its output to the log and queue."""
    env = {**os.environ, **environ, "DOCKER_BUILDKIT": "1"}
    process = subprocess.Popen(
        job.argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    log_path = log_dir / f"{job.name}.log"

    def pump() -> None:
        assert process.stdout is not None
        with open(log_path, "wb") as log:
            for raw in process.stdout:
                log.write(raw)
                events.put(("line", job.name, raw.decode("utf-8", "replace").rstrip("\n")))
        events.put(("exit", job.name, process.wait()))

    threading.Thread(target=pump, daemon=True).start()
    return process, time.monotonic(), deque(maxlen=TAIL_LINES)


def cancel(
    running: Mapping[str, tuple[subprocess.Popen[bytes], float, deque[str]]], report
) -> None:
    """Stop every running build (its whole process group), politely first."""
    for name, (process, _, _) in running.items():
        report(f"[{name}] cancelling")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)

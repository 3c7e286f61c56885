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
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import attrs

from graphbuild.build.docker import Job
from graphbuild.core.writes import open_log

STEP_RE = re.compile(r"^#\d+ (\[.*\] .*|CACHED|DONE [\d.]+s|ERROR.*)$")
TAIL_LINES = 30
Report = Callable[[str], None]
Events = queue.Queue[tuple[str, str, object]]  # ("line", job, text) | ("exit", job, code)


class JobStatus(enum.StrEnum):
    """How a job ended."""

    OK = "ok"
    FAILED = "failed"
    CANCELLED = "cancelled"  # never ran, or was stopped
    SKIPPED = "skipped: built on an image that failed"
    PENDING = "pending"  # not ended yet


@attrs.frozen
class Outcome:
    """How one job ended: ok (with the built image's digest, where the engine wrote one),
    failed (with its log's tail) or cancelled (never ran or stopped)."""

    name: str
    status: JobStatus
    seconds: float = 0.0
    log: str | None = None
    tail: tuple[str, ...] = ()
    image: str | None = None


@attrs.frozen
class Running:
    """A started job: its process, when it started, its last lines."""

    job: Job
    process: subprocess.Popen[bytes]
    started: float
    tail: deque[str]


def read_image_id(path: Path) -> str | None:
    """The digest `docker build --iidfile` wrote, if any."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if text.startswith("sha256:") else None


def run_jobs(
    jobs: Sequence[Job],
    limit: int,
    log_dir: Path,
    cwd: Path,
    environ: Mapping[str, str],
    report: Report,
    fail_fast: bool = False,
) -> list[Outcome]:
    """Run each job whose needs succeeded, `limit` at a time; a job whose need failed (or was
    skipped) is skipped, the others go on. With `fail_fast` the first failure cancels the rest,
    as Ctrl-C always does (the builds run in process groups of their own)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    events: Events = queue.Queue()
    pending = {job.name: job for job in jobs}
    running: dict[str, Running] = {}
    outcomes: dict[str, Outcome] = {}

    def ready(job: Job) -> bool:
        return all(outcomes.get(n, Outcome(n, JobStatus.PENDING)).status is JobStatus.OK
                   for n in job.needs)  # fmt: skip

    failed = False
    try:
        while pending or running:
            for name, job in list(pending.items()):
                if failed or len(running) >= limit:
                    break
                if blocked := blockers(job, outcomes):
                    del pending[name]
                    outcomes[name] = Outcome(name, JobStatus.SKIPPED)
                    report(f"[{name}] skipped: {', '.join(blocked)} failed")
                elif ready(job):
                    del pending[name]
                    running[name] = start(job, log_dir, cwd, environ, events)
                    report(f"[{name}] building {job.label}")
            if not running:
                break
            kind, name, payload = events.get()
            if kind == "line":
                assert isinstance(payload, str)
                running[name].tail.append(payload)
                if STEP_RE.match(payload):
                    report(f"[{name}] {payload}")
                continue
            assert isinstance(payload, int)
            ended = running.pop(name)
            outcomes[name] = finish(ended, payload, failed, cwd, log_dir, report)
            if outcomes[name].status is JobStatus.FAILED and fail_fast:
                failed = True
                cancel(running.values(), report)
    except KeyboardInterrupt:
        cancel(running.values(), report)
        raise
    return [outcomes.get(job.name, Outcome(job.name, JobStatus.CANCELLED)) for job in jobs]


def blockers(job: Job, outcomes: Mapping[str, Outcome]) -> list[str]:
    """The jobs `job` needs that failed or were skipped."""
    ended = (JobStatus.FAILED, JobStatus.SKIPPED)
    return [n for n in job.needs if n in outcomes and outcomes[n].status in ended]


def finish(ended: Running, code: int, cancelling: bool, cwd: Path, log_dir: Path,
           report: Report) -> Outcome:  # fmt: skip
    """The outcome of a job that exited with `code`; a failure reports its tail."""
    name = ended.job.name
    seconds = time.monotonic() - ended.started
    log = str(log_dir / f"{name}.log")
    if code == 0:
        metadata = ended.job.metadata
        image = read_image_id(cwd / metadata) if metadata is not None else None
        report(f"[{name}] {'built' if image else 'done'} in {seconds:.1f}s")
        return Outcome(name, JobStatus.OK, seconds, log, image=image)
    if cancelling:
        return Outcome(name, JobStatus.CANCELLED, seconds, log, tuple(ended.tail))
    report(f"[{name}] FAILED after {seconds:.1f}s (exit {code}); log: {log}")
    for line in ended.tail:
        report(f"[{name}] | {line}")
    return Outcome(name, JobStatus.FAILED, seconds, log, tuple(ended.tail))


def start(job: Job, log_dir: Path, cwd: Path, environ: Mapping[str, str],
          events: Events) -> Running:  # fmt: skip
    """Start one job in its own process group; a thread copies its output to the log and queue.
    The image id file of an earlier build goes first (a build that writes none must not
    report the last one's), and a symlink there is removed, never written through."""
    if job.metadata is not None:
        (cwd / job.metadata).unlink(missing_ok=True)
    env = {**os.environ, **environ, **dict(job.environ), "DOCKER_BUILDKIT": "1"}
    process = subprocess.Popen(
        job.argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    log_path = log_dir / f"{job.name}.log"

    def pump() -> None:
        assert process.stdout is not None
        with open_log(log_path, binary=True) as log:
            for raw in process.stdout:
                log.write(raw)
                events.put(("line", job.name, raw.decode("utf-8", "replace").rstrip("\n")))
        events.put(("exit", job.name, process.wait()))

    threading.Thread(target=pump, daemon=True).start()
    return Running(job, process, time.monotonic(), deque(maxlen=TAIL_LINES))


def cancel(running: Iterable[Running], report: Report) -> None:
    """Stop every running build (its whole process group), politely first."""
    for entry in running:
        report(f"[{entry.job.name}] cancelling")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(entry.process.pid, signal.SIGTERM)

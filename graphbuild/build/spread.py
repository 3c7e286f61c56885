"""Run docker-build jobs over several builders (docker contexts): each image on one builder,
one at a time per builder, the ready image with the longest chain after it first; a push runs
where its image was built; a builder that cannot be reached is dropped and its image built
again on another one; each image's log says where it ran and how many steps were cached.
Before that, every builder pulls the pinned bases by digest: a base one builder had locally and
another pulled during its build gave the two different cache keys, and no shared cache hit."""

from __future__ import annotations

import queue
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import attrs

from graphbuild.build.docker import Job, JobKind
from graphbuild.build.runner import (
    STEP_RE,
    Events,
    JobStatus,
    Outcome,
    Report,
    Running,
    blockers,
    cancel,
    finish,
    start,
)
from graphbuild.build.schedule import bottom_levels

# What the docker CLI prints when the daemon behind a context is gone: the builder's fault,
# not the image's, so the image is built again elsewhere.
UNREACHABLE_RE = re.compile(
    r"Cannot connect to the Docker daemon|error during connect|connection refused"
    r"|no such host|context not found|EOF$"
)
CACHED_RE = re.compile(r"^#\d+ CACHED$")


@attrs.frozen
class Spread:
    """Where each job ran, besides how it ended."""

    outcomes: list[Outcome]
    placed: Mapping[str, str]  # job name -> the builder it ended on
    lost: tuple[str, ...]  # builders dropped as unreachable


def on_builder(job: Job, builder: str) -> Job:
    """The job against one builder: the docker CLI's DOCKER_CONTEXT set for it (a push job's
    command is a shell script calling the CLI, so the context cannot go on its argv)."""
    if pinned(job) is not None:
        return job
    return attrs.evolve(job, environ=(*job.environ, ("DOCKER_CONTEXT", builder)))


def pinned(job: Job) -> str | None:
    """The builder a job must run on (a platform's own builder), if any."""
    return dict(job.environ).get("DOCKER_CONTEXT")


def unreachable(ended: Running) -> bool:
    """Whether a failed job's tail says its builder could not be reached."""
    return any(UNREACHABLE_RE.search(line) for line in ended.tail)


def run_spread(
    jobs: Sequence[Job],
    builders: Sequence[str],
    cost: Mapping[str, float],
    log_dir: Path,
    cwd: Path,
    environ: Mapping[str, str],
    report: Report,
    fail_fast: bool = False,
) -> Spread:
    """Run `jobs` over `builders` (see the module's doc); `cost`: each image job's expected
    seconds (1 where unknown), for the order."""
    log_dir.mkdir(parents=True, exist_ok=True)
    by_name = {job.name: job for job in jobs}
    images = {j.name: [n for n in j.needs if n in by_name] for j in jobs if j.kind is JobKind.IMAGE}
    level = bottom_levels(images, {name: cost.get(name, 1.0) for name in images})
    events: Events = queue.Queue()
    alive = list(builders)
    free = list(builders)
    running: dict[str, tuple[Running, str]] = {}
    outcomes: dict[str, Outcome] = {}
    placed: dict[str, str] = {}
    cached: dict[str, int] = {}
    waiting = dict(by_name)
    failed = False

    def ready() -> list[Job]:
        found = [
            j
            for j in waiting.values()
            if all(n in outcomes and outcomes[n].status is JobStatus.OK for n in j.needs)
        ]
        return sorted(found, key=lambda j: (-level.get(j.name, 0.0), j.name))  # fmt: skip

    try:
        while waiting or running:
            for name, job in list(waiting.items()):
                if blocked := blockers(job, outcomes):
                    del waiting[name]
                    outcomes[name] = Outcome(name, JobStatus.SKIPPED)
                    report(f"[{name}] skipped: {', '.join(blocked)} failed")
            for job in [] if failed else ready():
                builder = where(job, placed, free)
                if builder is None:
                    continue
                del waiting[job.name]
                free.remove(builder)
                running[job.name] = (start(on_builder(job, builder), log_dir, cwd, environ,
                                           events), builder)  # fmt: skip
                cached[job.name] = 0
                report(f"[{job.name}] building {job.label} on {builder}")
            if not running:
                for name in list(waiting):
                    outcomes[name] = Outcome(name, JobStatus.CANCELLED)
                    del waiting[name]
                break
            kind, name, payload = events.get()
            if kind == "line":
                assert isinstance(payload, str)
                running[name][0].tail.append(payload)
                cached[name] += bool(CACHED_RE.match(payload))
                if STEP_RE.match(payload):
                    report(f"[{name}] {payload}")
                continue
            assert isinstance(payload, int)
            ended, builder = running.pop(name)
            movable = pinned(by_name[name]) is None
            if payload != 0 and unreachable(ended) and len(alive) > 1 and movable:
                alive.remove(builder)
                report(f"[{name}] builder {builder} cannot be reached: dropped; building again"
                       f" on {', '.join(alive)}")  # fmt: skip
                waiting[name] = by_name[name]
                continue
            free.append(builder)
            outcomes[name] = finish(ended, payload, failed, cwd, log_dir, report)
            placed[name] = builder
            if outcomes[name].status is JobStatus.OK and by_name[name].kind is JobKind.IMAGE:
                steps = "step" if cached[name] == 1 else "steps"
                report(f"[{name}] ran on {builder}: {cached[name]} {steps} cached")
            if outcomes[name].status is JobStatus.FAILED and fail_fast:
                failed = True
                cancel((r for r, _ in running.values()), report)
    except KeyboardInterrupt:
        cancel((r for r, _ in running.values()), report)
        raise
    results = [outcomes.get(j.name, Outcome(j.name, JobStatus.CANCELLED)) for j in jobs]
    return Spread(results, placed, tuple(b for b in builders if b not in alive))


def where(job: Job, placed: Mapping[str, str], free: Sequence[str]) -> str | None:
    """The free builder a job runs on: its own where it is pinned to one, a push where its
    image was built, else the first free."""
    if (own := pinned(job)) is not None:
        return own if own in free else None
    if job.kind is JobKind.PUSH:
        home = placed.get(job.needs[0]) if job.needs else None
        return home if home in free else None
    return free[0] if free else None


def prepull(
    docker: str,
    builders: Sequence[str],
    bases: Mapping[str, Iterable[str]],
    environ: Mapping[str, str],
    report: Report,
) -> None:
    """Pull every base pinned by digest (`bases`: reference -> the platforms needed of it) on
    every builder, for each platform; a pull that fails is said and left to the build."""
    for builder in builders:
        for reference, platforms in sorted(bases.items()):
            if "@sha256:" not in reference:
                continue  # a moving tag: the build resolves it, as it would anyway
            for platform in sorted(platforms):
                argv = [docker, "--context", builder, "pull", "--quiet", "--platform", platform,
                        reference]  # fmt: skip
                done = subprocess.run(argv, capture_output=True, text=True, env=dict(environ))
                if done.returncode == 0:
                    report(f"[{builder}] pulled {reference} ({platform})")
                else:
                    why = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
                    report(f"[{builder}] cannot pull {reference} ({platform}): {why}")

"""The build drivers behind one interface, chosen in one place (`make_driver`): `bake` (one
`docker buildx bake` of every wanted image, in rounds where a failure cancelled unrelated
images), `docker-build` (one `docker build` per image, in dependency order) and `spread` (the
same jobs over several builders). A driver turns
bake targets into commands, builds images and runs test targets; the CLI only chooses one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import attrs

from graphbuild.build.bake_run import run_bake
from graphbuild.build.docker import (
    Job,
    JobKind,
    Request,
    bake_job,
    docker_build_jobs,
    docker_build_test_jobs,
    stage_users,
)
from graphbuild.build.driver_kinds import Driver
from graphbuild.build.native import native_jobs
from graphbuild.build.platforms import needed_platforms
from graphbuild.build.rounds import build_in_rounds
from graphbuild.build.runner import JobStatus, Outcome, run_jobs
from graphbuild.build.schedule import schedule
from graphbuild.build.spread import on_builder, prepull, run_spread
from graphbuild.core.errors import BuildError
from graphbuild.core.labels import Label
from graphbuild.emit.names import emitted_stages
from graphbuild.graph.link import Graph, image_dependencies
from graphbuild.hashing.stages import Hashes

Built = list[tuple[Label, Outcome]]  # each wanted image (or test target) with its outcome


@attrs.frozen
class Session:
    """What a driver builds with: the graph, each image's bake target name, the emitted bake
    file (its path and text), the request, where and with what environment the engine runs."""

    graph: Graph
    hashes: Hashes
    names: Mapping[Label, str]
    bake_file: str
    bake_text: str
    request: Request
    root: Path
    environ: Mapping[str, str]
    jobs: int = 2
    fail_fast: bool = False
    report: Callable[[str], None] = print
    builders: tuple[str, ...] = ()  # the docker contexts the spread driver builds on
    # platform -> its own builder: each image built per platform natively, then merged
    platform_builders: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def logs(self) -> Path:
        """Where the build logs go."""
        return self.root / self.request.outputs


class BuildDriver(Protocol):
    """What `graphbuild build` asks of a driver."""

    def commands(self, wanted: Sequence[Label]) -> list[Job]:
        """The commands that would build the wanted images."""
        ...

    def target_commands(self, targets: Mapping[Label, str]) -> list[Job]:
        """The commands that would build bake targets that make no image (label -> name)."""
        ...

    def build(self, wanted: Sequence[Label]) -> Built:
        """Build the wanted images; each with its outcome."""
        ...

    def run_targets(self, targets: Mapping[Label, str], stages: Mapping[Label, Label]) -> Built:
        """Build bake targets that make no image (test stages; `stages`: label -> the stage
        each builds); each with its outcome."""
        ...


@attrs.frozen
class BakeDriver:
    """One `docker buildx bake` for all (BuildKit shares their steps)."""

    session: Session

    def commands(self, wanted: Sequence[Label]) -> list[Job]:
        """One bake job."""
        s = self.session
        return [bake_job([s.bake_file], s.names, s.request, wanted)]

    def target_commands(self, targets: Mapping[Label, str]) -> list[Job]:
        """One bake job."""
        s = self.session
        return [bake_job([s.bake_file], targets, s.request, list(targets))]

    def build(self, wanted: Sequence[Label]) -> Built:
        """Bake in rounds: what a failure cancelled but does not concern is baked again."""
        s = self.session
        users = self.users({s.graph.outputs[lb]: s.names[lb] for lb in wanted})

        def bake_round(labels: Sequence[Label]) -> Built:
            job = bake_job([s.bake_file], s.names, s.request, labels)
            outcomes = run_bake(job, users, s.logs, s.root, s.environ, s.report)
            return list(zip(labels, outcomes, strict=True))

        built_on = image_dependencies(s.graph, wanted)
        results = build_in_rounds(wanted, built_on, bake_round, s.fail_fast, s.report)
        return [(lb, attrs.evolve(results[lb], name=s.names[lb])) for lb in wanted]

    def run_targets(self, targets: Mapping[Label, str], stages: Mapping[Label, Label]) -> Built:
        """One bake of the targets; success is bake's exit status (they make no image)."""
        s = self.session
        users = self.users({stages[lb]: name for lb, name in targets.items()})
        job = self.target_commands(targets)[0]
        outcomes = run_bake(job, users, s.logs, s.root, s.environ, s.report, makes_images=False)
        return list(zip(targets, outcomes, strict=True))

    def users(self, built: Mapping[Label, str]) -> dict[str, frozenset[str]]:
        """Emitted stage name -> the bake targets built on it (to split bake's log)."""
        _stages, stage_names = emitted_stages(self.session.graph, self.session.hashes)
        return stage_users(self.session.graph, stage_names, built)


@attrs.frozen
class DockerBuildDriver:
    """One `docker build` per image, in dependency order, `jobs` at once."""

    session: Session

    def commands(self, wanted: Sequence[Label]) -> list[Job]:
        """A docker build job per image (and a push job after each, with --push)."""
        s = self.session
        return docker_build_jobs(s.graph, s.bake_text, wanted, s.request, s.environ)

    def target_commands(self, targets: Mapping[Label, str]) -> list[Job]:
        """A docker build job per target."""
        s = self.session
        return docker_build_test_jobs(s.bake_text, targets, s.request, s.environ)

    def build(self, wanted: Sequence[Label]) -> Built:
        """Run the jobs; an image counts as built only when its push went well too."""
        s = self.session
        jobs = self.commands(wanted)
        outcomes = run_jobs(jobs, s.jobs, s.logs, s.root, s.environ, s.report, s.fail_fast)
        return image_outcomes(jobs, outcomes)

    def run_targets(self, targets: Mapping[Label, str], stages: Mapping[Label, Label]) -> Built:
        """One docker build per target, none waiting for another."""
        s = self.session
        jobs = self.target_commands(targets)
        outcomes = run_jobs(jobs, s.jobs, s.logs, s.root, s.environ, s.report, s.fail_fast)
        return list(zip(targets, outcomes, strict=True))


def merged_outcomes(wanted: Sequence[Label], jobs: list[Job], outcomes: list[Outcome]) -> Built:
    """Each image with the outcome of its merge, or of the first of its jobs that did not end
    well (a platform's build, or the merge)."""
    result = []
    for label in wanted:
        own = [o for j, o in zip(jobs, outcomes, strict=True) if j.label == label]
        bad = [o for o in own if o.status is not JobStatus.OK]
        result.append((label, bad[0] if bad else own[-1]))
    return result


def image_outcomes(jobs: list[Job], outcomes: list[Outcome]) -> Built:
    """Each image built by a docker-build job with its outcome; with --push, an image counts as
    built only when its push succeeded too."""
    by_name = {o.name: o for o in outcomes}
    result = []
    for job, outcome in zip(jobs, outcomes, strict=True):
        if job.kind is not JobKind.IMAGE:
            continue
        push = by_name.get(f"{job.name}.push")
        if push is not None and push.status is not JobStatus.OK:
            outcome = Outcome(outcome.name, push.status, outcome.seconds, outcome.log)
        result.append((job.label, outcome))
    return result


@attrs.frozen
class SpreadDriver:
    """One `docker build` per image, spread over several builders (docker contexts), each
    image on one of them; caches meet through the workspace's registry cache."""

    session: Session

    def commands(self, wanted: Sequence[Label]) -> list[Job]:
        """The docker-build jobs, each against the builder a placement with equal costs gives
        it (a real build places each image when a builder is free); with a builder per
        platform, a job per image and platform on its builder, and a merge per image."""
        if self.session.platform_builders:
            return self.native(wanted)
        jobs = DockerBuildDriver(self.session).commands(wanted)
        images = {j.name: list(j.needs) for j in jobs if j.kind is JobKind.IMAGE}
        plan = schedule(images, dict.fromkeys(images, 1.0), self.session.builders)
        home = {p.image: p.builder for p in plan.placements}
        return [on_builder(j, home[j.name if j.name in home else j.needs[0]]) for j in jobs]

    def target_commands(self, targets: Mapping[Label, str]) -> list[Job]:
        """A docker build job per target, on the builders in turn."""
        jobs = DockerBuildDriver(self.session).target_commands(targets)
        builders = self.session.builders
        return [on_builder(j, builders[i % len(builders)]) for i, j in enumerate(jobs)]

    def build(self, wanted: Sequence[Label]) -> Built:
        """Pull the pinned bases on every builder, then run the jobs over the builders; an
        image counts as built once its push went well."""
        s = self.session
        needed = needed_platforms(s.graph, wanted)
        externals = s.graph.workspace.externals
        bases = {externals[name].image: platforms for name, platforms in needed.items()}
        prepull(s.request.docker, s.builders, bases, s.environ, s.report)
        if s.platform_builders:
            jobs = self.native(wanted)
            spread = run_spread(jobs, s.builders, {}, s.logs, s.root, s.environ, s.report,
                                s.fail_fast)  # fmt: skip
            return merged_outcomes(wanted, jobs, spread.outcomes)
        jobs = DockerBuildDriver(s).commands(wanted)
        spread = run_spread(jobs, s.builders, {}, s.logs, s.root, s.environ, s.report,
                            s.fail_fast)  # fmt: skip
        return image_outcomes(jobs, spread.outcomes)

    def native(self, wanted: Sequence[Label]) -> list[Job]:
        """Per-platform jobs on their builders, and a merge per image."""
        s = self.session
        if not s.request.push:
            raise BuildError("a builder per platform pushes each platform's tag: give --push")
        jobs = DockerBuildDriver(attrs.evolve(s, request=attrs.evolve(s.request, push=False)))
        images = jobs.commands(wanted)
        platforms = {j.name: s.graph.stages[s.graph.outputs[j.label]].platforms for j in images}
        return native_jobs(images, s.platform_builders, platforms, s.request.docker)

    def run_targets(self, targets: Mapping[Label, str], stages: Mapping[Label, Label]) -> Built:
        """The targets over the builders, none waiting for another."""
        s = self.session
        jobs = DockerBuildDriver(s).target_commands(targets)
        spread = run_spread(jobs, s.builders, {}, s.logs, s.root, s.environ, s.report,
                            s.fail_fast)  # fmt: skip
        return list(zip(targets, spread.outcomes, strict=True))


DRIVERS: Mapping[Driver, Callable[[Session], BuildDriver]] = {
    Driver.BAKE: BakeDriver,
    Driver.DOCKER_BUILD: DockerBuildDriver,
    Driver.SPREAD: SpreadDriver,
}


def make_driver(kind: Driver, session: Session) -> BuildDriver:
    """The driver of that kind for this session: the one place a driver is chosen."""
    return DRIVERS[kind](session)

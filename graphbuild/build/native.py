"""Native per-platform builds, merged: with a builder per platform (`--builders
linux/amd64=a,linux/arm64=b`), every image is built for each platform on that platform's
builder and pushed as `TAG-ARCH`, after the same platform of the images it is built on; then one
job per image joins those tags into its index (`docker buildx imagetools create`). No emulation
where each builder is native: arm64 under QEMU is 4-9x slower than on an arm64 machine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from graphbuild.build.docker import Job, JobKind
from graphbuild.core.errors import BuildError


def arch_of(platform: str) -> str:
    """The tag suffix of a platform: its architecture (and variant: arm-v7)."""
    return "-".join(platform.split("/")[1:])


def platform_job(job: Job, platform: str, builder: str, images: set[str]) -> Job:
    """An image job built for one platform on its builder, pushed as TAG-ARCH; it waits for
    the same platform of the images it needs."""
    arch = arch_of(platform)
    rewrite = {"--platform": lambda _: platform, "--tag": lambda tag: f"{tag}-{arch}",
               "--iidfile": lambda path: f"{path}.{arch}"}  # fmt: skip
    out = list(job.argv)
    for at, word in enumerate(out[:-1]):
        if word in rewrite:
            out[at + 1] = rewrite[word](out[at + 1])
    if "--platform" not in out:
        out[2:2] = ["--platform", platform]
    out.insert(out.index("--progress=plain") + 1, "--push")
    needs = tuple(f"{n}@{arch}" for n in job.needs if n in images)
    metadata = job.metadata.with_name(f"{job.metadata.name}.{arch}") if job.metadata else None
    return attrs.evolve(job, name=f"{job.name}@{arch}", argv=tuple(out), needs=needs,
                        metadata=metadata, environ=(("DOCKER_CONTEXT", builder),))  # fmt: skip


def merge_job(job: Job, tags: Sequence[str], platforms: Sequence[str], docker: str) -> Job:
    """Join an image's per-platform tags into each of its tags' index."""
    argv = [docker, "buildx", "imagetools", "create"]
    for tag in tags:
        argv += ["--tag", tag]
    argv += [f"{tags[0]}-{arch_of(p)}" for p in platforms]
    needs = tuple(f"{job.name}@{arch_of(p)}" for p in platforms)
    return Job(JobKind.MERGE, f"{job.name}.merge", job.label, tuple(argv), needs, job.builds)


def native_jobs(
    jobs: Sequence[Job], builders: Mapping[str, str], platforms: Mapping[str, Sequence[str]],
    docker: str,
) -> list[Job]:  # fmt: skip
    """Each image job as one job per platform on that platform's builder, then its merge
    (`platforms`: image job name -> its platforms; every one needs a builder)."""
    images = {j.name for j in jobs if j.kind is JobKind.IMAGE}
    found: list[Job] = []
    for job in jobs:
        if job.kind is not JobKind.IMAGE:
            continue  # pushes: each platform job pushes its own tag
        wanted = platforms[job.name]
        lacking = [p for p in wanted if p not in builders]
        if lacking:
            raise BuildError(f"{job.name} is built for {', '.join(lacking)}: no builder for it"
                             f" in --builders (has {', '.join(sorted(builders))})")  # fmt: skip
        found += [platform_job(job, p, builders[p], images) for p in wanted]
        tags = tags_of(job)
        if tags:
            found.append(merge_job(job, tags, wanted, docker))
    return found


def tags_of(job: Job) -> list[str]:
    """The --tag values of a docker build job."""
    argv = list(job.argv)
    return [argv[i + 1] for i, word in enumerate(argv[:-1]) if word == "--tag"]

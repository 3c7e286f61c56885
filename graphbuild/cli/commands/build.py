"""`graphbuild build`: build images (or run their tests) on BuildKit from the emitted files."""

from __future__ import annotations

import argparse

from graphbuild.build.driver_kinds import Driver
from graphbuild.cli.commands import Invocation, Needs
from graphbuild.plan.format_kinds import DigestsFormat

NAME = "build"
HELP = "build images with BuildKit from the emitted files"
NEEDS = Needs.BUILD


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Its arguments."""
    parser.add_argument("labels", nargs="*", metavar="LABEL", help="image targets to build")
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--all", action="store_true", help="every image, built here at its hash or not"
    )
    which.add_argument(
        "--rebuild",
        action="store_true",
        help="images not built here at their current hash (the default)",
    )
    parser.add_argument(
        "--registry",
        action="store_true",
        help="images whose hash tag is not in the workspace registry (the default with --push)",
    )
    parser.add_argument(
        "--driver",
        choices=[d.value for d in Driver],
        help="docker buildx bake (the default where buildx answers), one docker build per "
        "image, or one per image spread over --builders",
    )
    parser.add_argument(
        "--test",
        action="store_true",
        help="run the images' tests instead of building images: each image's JUnit XML and "
        "exit code are exported to .graphbuild/test-reports/<image>/, passed or failed, and "
        "summed up; exit 1 when a test failed",
    )
    parser.add_argument(
        "--reports",
        metavar="DIR",
        help="with --test: copy each image's reports to DIR/<image>/ as well",
    )
    parser.add_argument("--push", action="store_true", help="push the images' tags")
    parser.add_argument(
        "--digests",
        metavar="FILE",
        help="with --push: write the digest every image's hash tag points at in the registry "
        "(the index and each platform's) to FILE, for deploy manifests",
    )
    parser.add_argument(
        "--digests-format",
        choices=[f.value for f in DigestsFormat],
        default=DigestsFormat.JSON.value,
        help="FILE as JSON, as kustomize's `images:` list, or as Helm values",
    )
    parser.add_argument(
        "--load",
        action="store_true",
        help="load the images into the engine's image store (the default without --push)",
    )
    parser.add_argument(
        "--oci",
        metavar="DIR",
        help="write each image to DIR/<target>.tar (an OCI layout, file times set to "
        "SOURCE_DATE_EPOCH) instead of loading it: the reproducible export",
    )
    parser.add_argument(
        "--fail-fast",
        action="store_true",
        help="the first image that fails stops every other build (by default the images not "
        "built on it go on, and those built on it are skipped)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="builds at once (docker-build driver)")
    parser.add_argument(
        "--builders",
        metavar="CONTEXT,...",
        help="with --driver spread: the docker contexts to build on, each image on one of them "
        "(one build at a time each), the longest chain first; an unreachable one is dropped "
        "and its image built on another",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    parser.add_argument("--docker", metavar="PATH", help="the docker CLI (or $GRAPHBUILD_DOCKER)")


def run(args: argparse.Namespace, at: Invocation) -> int:
    """Run it."""
    from graphbuild.cli.build_command import run_build

    assert at.root is not None and at.docker is not None
    return run_build(args, at.root, at.docker, at.git)

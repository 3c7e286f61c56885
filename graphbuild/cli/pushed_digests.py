"""`build --push --digests FILE`: after the push, the digests every image's hash tag points
at in the workspace registry, asked of the registry as `plan --registry` asks it."""

from __future__ import annotations

from pathlib import Path

from graphbuild.analysis.run import Analysis
from graphbuild.core.errors import GraphbuildError
from graphbuild.core.writes import write_files
from graphbuild.emit.bake import bake_name, image_repository
from graphbuild.hashing.stages import short_hash
from graphbuild.plan.deploy_digests import PushedImage, render_digests
from graphbuild.plan.format_kinds import DigestsFormat


def check_digests_request(path: str | None, push: bool, registry: str | None) -> None:
    """--digests goes with --push and a workspace registry."""
    if path is None:
        return
    if not push:
        raise GraphbuildError("--digests FILE records what --push pushed: give --push too")
    if not registry:
        raise GraphbuildError("--digests needs [workspace] registry", file="BUILD.toml")


def write_digests(analysis: Analysis, path: str, kind: DigestsFormat) -> list[str]:
    """Write the digests file (all or nothing); the images whose hash tag is not in the
    registry, which it leaves out."""
    from graphbuild.plan.image_registry import pushed  # urllib and ssl: 35 ms, asked here alone

    registry = analysis.workspace.settings.registry
    assert registry is not None  # check_digests_request saw to it
    found, missing = [], []
    for target in sorted(analysis.graph.images, key=lambda t: str(t.label)):
        image, tag = target.image or "", short_hash(analysis.hashes.targets[target.label])
        where = pushed(registry, image, tag)
        if where is None:
            missing.append(str(target.label))
            continue
        repository = image_repository(registry, image)
        found.append(PushedImage(bake_name(image), str(target.label), repository, tag, where))
    destination = Path(path)
    write_files(destination.parent, {destination.name: render_digests(found, kind)})
    return missing

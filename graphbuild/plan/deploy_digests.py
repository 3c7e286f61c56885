"""The file `build --push --digests FILE` writes for deployment: each image's repository and
the digests its hash tag points at in the registry, as JSON (the index and every platform),
as kustomize's `images:` list, or as a Helm values file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from graphbuild.emit.yaml import render_yaml
from graphbuild.plan.format_kinds import DigestsFormat

if TYPE_CHECKING:  # the registry client imports urllib: not on every command's start-up
    from graphbuild.plan.image_registry import Pushed


@attrs.frozen
class PushedImage:
    """One image as pushed: its bake target name, label, repository, hash tag and digests."""

    name: str
    label: str
    repository: str
    tag: str
    pushed: Pushed


def render_digests(images: Sequence[PushedImage], kind: DigestsFormat) -> str:
    """The file's text, images in name order."""
    ordered = sorted(images, key=lambda i: i.name)
    if kind is DigestsFormat.JSON:
        document = {"images": {i.name: json_entry(i) for i in ordered}}
        return json.dumps(document, indent=2, sort_keys=True) + "\n"
    header = "# Written by graphbuild build --push: the images' digests in the registry.\n"
    if kind is DigestsFormat.KUSTOMIZE:
        listed = [{"name": i.repository, "digest": i.pushed.digest} for i in ordered]
        return header + render_yaml({"images": listed})
    values = {
        i.name: {"repository": i.repository, "tag": i.tag, "digest": i.pushed.digest}
        for i in ordered
    }
    return header + render_yaml({"images": values})


def json_entry(image: PushedImage) -> dict[str, Any]:
    """One image in the JSON file."""
    return {
        "label": image.label,
        "tag": f"{image.repository}:{image.tag}",
        "pinned": f"{image.repository}@{image.pushed.digest}",
        "platforms": {p: f"{image.repository}@{d}" for p, d in image.pushed.platforms},
    }

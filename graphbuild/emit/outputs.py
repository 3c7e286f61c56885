"""Every file `graphbuild emit` writes, as path -> text, rendered before anything is written."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import attrs

from graphbuild.emit.bake import render_bake
from graphbuild.emit.compose import render_compose
from graphbuild.emit.devcontainer import render_devcontainers
from graphbuild.emit.dockerfile import render_dockerfile, render_dockerignore
from graphbuild.emit.names import EmittedStage, emitted_stages
from graphbuild.graph.link import Graph
from graphbuild.hashing.lockfile import make_lock, render_lock
from graphbuild.hashing.stages import Hashes
from graphbuild.tree.inputs import git_dir_inputs


@attrs.frozen
class Outputs:
    """The checked files (a pure function of the workspace) and what the Dockerfile holds."""

    files: Mapping[str, str]
    stages: tuple[EmittedStage, ...]


def render_outputs(graph: Graph, hashes: Hashes, in_git: bool) -> Outputs:
    """The Dockerfile, its ignore file, the bake file, the lock, the lock slices, and the
    compose file and dev container definitions when the workspace asks for them."""
    settings = graph.workspace.settings
    stages, names = emitted_stages(graph, hashes)
    generated = {g.path: g.text for s in graph.stages.values() for g in s.generated}
    ignored = tuple(p for p in settings.outputs if p != settings.lock_slices)
    sent = (f"!{settings.lock_slices}",) if generated else ()  # even below an excluded folder
    files = {
        settings.dockerfile: render_dockerfile(graph, stages, names),
        f"{settings.dockerfile}.dockerignore": render_dockerignore(
            settings.exclude,
            graph.workspace.skipped,
            (*ignored, *sent),
            graph.workspace.packages,
            tuple(git_dir_inputs(graph)),
        ),
        settings.bake: render_bake(graph, hashes, names, in_git),
        settings.lock: render_lock(make_lock(graph.workspace, hashes)),
        **dict(sorted(generated.items())),
    }
    if settings.compose is not None:
        files[settings.compose] = render_compose(graph, hashes, names)
    if settings.devcontainers:
        files |= render_devcontainers(graph, names)
    return Outputs(files=files, stages=tuple(stages))


def drift(path: str, on_disk: str | None, wanted: str) -> str:
    """A unified diff from the file on disk to what emit would write ('' when equal)."""
    if on_disk == wanted:
        return ""
    before = [] if on_disk is None else on_disk.splitlines(keepends=True)
    after = wanted.splitlines(keepends=True)
    diff = difflib.unified_diff(before, after, f"a/{path}", f"b/{path}")
    text = "".join(line if line.endswith("\n") else line + "\n" for line in diff)
    return text or f"--- a/{path}\n+++ b/{path}\n(differs only in line endings)\n"

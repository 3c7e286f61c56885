"""A pytest plugin for users' own test suites: snapshot the workspace's emitted Dockerfile, bake
file and plan with syrupy, so a change to what graphbuild emits shows up as a reviewable diff.

    # tests/test_images.py            (run once with --snapshot-update, then review the diffs)
    def test_emitted_files(graphbuild_snapshot):
        graphbuild_snapshot()

The workspace is the pytest rootdir, or the `graphbuild_workspace` ini option (relative to it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from graphbuild.analysis.run import analyze
from graphbuild.emit.outputs import render_outputs
from graphbuild.plan.baseline import plan_for
from graphbuild.plan.report import plan_json
from graphbuild.state.store import Store

EXTENSIONS = {"Dockerfile": "Dockerfile", "docker-bake.json": "json", "plan.json": "json"}


def pytest_addoption(parser: pytest.Parser) -> None:
    """The `graphbuild_workspace` ini option."""
    parser.addini("graphbuild_workspace", "the graphbuild workspace to snapshot", default=".")


def emitted_files(root: Path) -> dict[str, str]:
    """What `graphbuild emit` would write, and the plan against the lock, by short name."""
    analysis = analyze(root, use_cache=False)
    outputs = render_outputs(analysis.graph, analysis.hashes, in_git=False)
    settings = analysis.workspace.settings
    plan = plan_for(analysis, Store(None)).plan
    return {
        "Dockerfile": outputs.files[settings.dockerfile],
        "docker-bake.json": outputs.files[settings.bake],
        "plan.json": plan_json(plan),
    }


@pytest.fixture
def graphbuild_workspace(request: pytest.FixtureRequest) -> Path:
    """The workspace folder under test."""
    return Path(request.config.rootpath, request.config.getini("graphbuild_workspace"))


@pytest.fixture
def graphbuild_emitted(graphbuild_workspace: Path) -> dict[str, str]:
    """The emitted Dockerfile, bake file and plan JSON of the workspace."""
    return emitted_files(graphbuild_workspace)


@pytest.fixture
def graphbuild_snapshot(snapshot, graphbuild_emitted: dict[str, str]) -> Callable[[], None]:
    """Call it to assert every emitted file against its own single-file syrupy snapshot."""
    from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

    def extension(suffix: str) -> type[SingleFileSnapshotExtension]:
        return type(
            f"GraphbuildSnapshot_{suffix}",
            (SingleFileSnapshotExtension,),
            {"_write_mode": WriteMode.TEXT, "file_extension": suffix},
        )

    def check() -> None:
        for name, text in graphbuild_emitted.items():
            assert text == snapshot.use_extension(extension(EXTENSIONS[name]))(name=name)

    return check

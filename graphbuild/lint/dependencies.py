"""GB304, GB305: what an image's lock slice says before anything is built: packages with no
wheel for its interpreter and platforms (they compile in the builder), and packages pinned by
a git commit instead of a hash."""

from __future__ import annotations

from collections.abc import Iterator

from graphbuild.definition.wheels import system_packages_hint
from graphbuild.graph.link import Graph
from graphbuild.lint.catalog import Finding, finding
from graphbuild.lint.checks import from_chain


def check_lock_slices(graph: Graph) -> Iterator[Finding]:
    """Each stage that installs a lock slice, once per slice."""
    for label in graph.order:
        stage = graph.stages[label]
        for generated in stage.generated:
            installs_packages = any(  # in the stage or one it is built FROM
                step.key == "build_packages"
                for built in from_chain(graph, label)
                for step in built.steps
            )
            if generated.compiles and not installs_packages:
                hint = system_packages_hint(generated.compiles)
                yield finding(
                    "GB304",
                    stage,
                    "build_packages",
                    f"no wheel for {', '.join(generated.compiles)}: it builds from source, and"
                    f" the builder installs no build_packages{f' ({hint})' if hint else ''}",
                )
            if generated.unhashed:
                yield finding(
                    "GB305",
                    stage,
                    "project",
                    f"{', '.join(generated.unhashed)} installed from git at the commit uv.lock"
                    " pins: the install cannot require hashes",
                )

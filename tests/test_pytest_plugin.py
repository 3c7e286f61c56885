"""The pytest plugin a user's suite gets: snapshots of what graphbuild emits, reviewable diffs."""

from __future__ import annotations

from tests.support import copy_example

pytest_plugins = ["pytester"]

USER_TEST = """
def test_emitted_files(graphbuild_snapshot):
    graphbuild_snapshot()
"""


def test_user_suite_snapshots_the_emitted_files_and_catches_a_change(pytester):
    workspace = copy_example(pytester.path / "monorepo")
    pytester.makeini("[pytest]\ngraphbuild_workspace = monorepo\n")
    pytester.makepyfile(test_images=USER_TEST)
    first = pytester.runpytest("--snapshot-update")
    first.assert_outcomes(passed=1)
    snapshots = sorted(p.name for p in (pytester.path / "__snapshots__" / "test_images").iterdir())
    assert snapshots == [
        "test_emitted_files[Dockerfile].Dockerfile",
        "test_emitted_files[docker-bake.json].json",
        "test_emitted_files[plan.json].json",
    ]
    pytester.runpytest().assert_outcomes(passed=1)
    build = workspace / "images/worker/BUILD.toml"
    build.write_text(build.read_text().replace('"-m", "worker"', '"-m", "worker.main"'))
    changed = pytester.runpytest()
    changed.assert_outcomes(failed=1)
    assert "worker.main" in changed.stdout.str()

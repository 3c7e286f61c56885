"""A plan's output is reused while nothing it read has moved (git's view of the tree, the lock,
the commit, the options, the code), and never when the plan asked the engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from graphbuild.cli import plan_commands
from tests.support import git, run

API_SOURCE = "images/api/src/api/__init__.py"


@pytest.fixture
def committed(example: Path, settled: None) -> Path:
    """The example committed in git (every file counts as settled)."""
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    return example


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The roots of the analyses plans completed (none when a plan reused its output)."""
    calls: list[str] = []
    complete: Callable = plan_commands.complete

    def counted(begun):  # type: ignore[no-untyped-def]
        calls.append(str(begun.root))
        return complete(begun)

    monkeypatch.setattr(plan_commands, "complete", counted)
    return calls


def test_a_second_plan_reuses_the_first_output(committed: Path, analysed: list[str]):
    first = run("plan", cwd=committed)
    assert len(analysed) == 1
    second = run("plan", cwd=committed)
    assert second == first
    assert len(analysed) == 1


def test_an_edit_is_seen(committed: Path, analysed: list[str]):
    assert "Nothing to rebuild" in run("plan", cwd=committed).out
    with open(committed / API_SOURCE, "a") as handle:
        handle.write("# edit\n")
    after = run("plan", cwd=committed)
    assert API_SOURCE in after.out
    assert len(analysed) == 2


def test_a_lock_edit_is_seen_though_the_tree_scan_leaves_the_lock_out(
    committed: Path, analysed: list[str]
):
    assert "Nothing to rebuild" in run("plan", cwd=committed).out
    (committed / "graphbuild.lock").unlink()
    after = run("plan", cwd=committed)
    assert "Nothing to rebuild" not in after.out
    assert len(analysed) == 2


def test_format_and_check_are_part_of_the_key(committed: Path, analysed: list[str]):
    with open(committed / API_SOURCE, "a") as handle:
        handle.write("# edit\n")
    text = run("plan", cwd=committed)
    as_json = run("plan", "--format", "json", cwd=committed)
    checked = run("plan", "--check", cwd=committed)
    assert as_json.out.startswith("{") and not text.out.startswith("{")
    assert (text.code, checked.code) == (0, 1)
    assert len(analysed) == 3
    assert run("plan", "--check", cwd=committed) == checked
    assert len(analysed) == 3


def test_a_new_commit_is_seen(committed: Path, analysed: list[str]):
    run("plan", cwd=committed)
    git(committed, "commit", "-q", "--allow-empty", "-m", "same tree")
    run("plan", cwd=committed)
    assert len(analysed) == 2


def test_verbose_since_and_registry_plans_are_never_reused(committed: Path, analysed: list[str]):
    run("plan", cwd=committed)
    verbose = run("plan", "-v", cwd=committed)
    assert "analysis: the memo of an unchanged tree" in verbose.err
    assert run("plan", "--since", "HEAD", cwd=committed).code == 0
    assert len(analysed) == 3


def test_a_plan_that_asks_the_engine_is_not_kept(
    committed: Path, analysed: list[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(plan_commands, "foreign_platforms", lambda graph: True)
    run("plan", cwd=committed)
    run("plan", cwd=committed)
    assert len(analysed) == 2


def test_a_file_still_moving_is_not_kept(example: Path, analysed: list[str]):
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    with open(example / API_SOURCE, "a") as handle:  # just written: inside git's racy window
        handle.write("# edit\n")
    run("plan", cwd=example)
    run("plan", cwd=example)
    assert len(analysed) == 2

"""A plan's output, and an emit's, are reused while nothing they read has moved (git's view of
the tree, the lock, the commit, the options, the code; for an emit, the files it wrote), and a
plan's never when it asked the engine."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from graphbuild.analysis import memo, start
from graphbuild.cli import emit_command, plan_commands
from tests.support import git, run

API_SOURCE = "images/api/src/api/__init__.py"
EMITTED = ("build/Dockerfile", "build/docker-bake.json", "graphbuild.lock")


def edit_api(root: Path) -> None:
    """Append a comment to the api's source."""
    with open(root / API_SOURCE, "a") as handle:
        handle.write("# edit\n")


@pytest.fixture
def committed(example: Path, settled: None) -> Path:
    """The example committed in git (every file counts as settled)."""
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    return example


def completions(monkeypatch: pytest.MonkeyPatch, module: object) -> list[str]:
    """The roots of the analyses `module` (a command's) completes from here on."""
    calls: list[str] = []
    complete: Callable = module.complete  # type: ignore[attr-defined]

    def counted(begun):  # type: ignore[no-untyped-def]
        calls.append(str(begun.root))
        return complete(begun)

    monkeypatch.setattr(module, "complete", counted)
    return calls


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The roots of the analyses plans completed (none when a plan reused its output)."""
    return completions(monkeypatch, plan_commands)


def test_a_second_plan_reuses_the_first_output(committed: Path, analysed: list[str]):
    first = run("plan", cwd=committed)
    assert len(analysed) == 1
    second = run("plan", cwd=committed)
    assert second == first
    assert len(analysed) == 1


def memo_reads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Each reading of the memo from here on."""
    read: list[object] = []
    load = memo.load_git_memo
    monkeypatch.setattr(memo, "load_git_memo", lambda store: read.append(store) or load(store))
    return read


def read_order(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The order in which runs from here on start reading the memo ("memo") and take git's
    view ("git")."""
    events: list[str] = []
    start_reading, finish_git = start.Background.start, start.finish_git

    def reading(self: start.Background) -> None:
        if self._thread.ident is None:  # not started yet
            events.append("memo")
        start_reading(self)

    def taking(*args: object, **kwargs: object) -> object:
        events.append("git")
        return finish_git(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(start.Background, "start", reading)
    monkeypatch.setattr(start, "finish_git", taking)
    return events


@pytest.mark.parametrize("command", ["plan", "emit"])
def test_a_run_after_a_reuse_reads_no_memo(committed: Path, monkeypatch, command: str):
    """After a run that reused its output the next bets on a reuse too: the memo's reading (a
    quarter of a second at 500 images) waits until the output cannot be reused, as reading it
    on the other core would slow git's walk on two cores."""
    first = run(command, cwd=committed)
    assert run(command, cwd=committed) == first  # reused: the fate is recorded
    read = memo_reads(monkeypatch)
    assert run(command, cwd=committed) == first
    assert read == []
    edit_api(committed)
    assert run(command, cwd=committed) != first
    assert len(read) == 1


@pytest.mark.parametrize("stored", [True, False])
def test_a_plan_after_one_that_could_not_reuse_reads_the_memo_while_git_works(
    committed: Path, monkeypatch, stored: bool
):
    """A plan that could not reuse the last output (the user is editing) turns the bet: the
    next reads the memo while git's commands work, also when that plan stored no output of its
    own (a file it read was still moving)."""
    run("plan", cwd=committed)
    run("plan", cwd=committed)  # reused: the next bets on a reuse
    if not stored:
        monkeypatch.setattr(plan_commands, "remember", lambda store, output: None)
    order = read_order(monkeypatch)
    edit_api(committed)
    run("plan", cwd=committed)
    assert order == ["git", "memo"]  # bet on a reuse, and lost: read once git was done
    order.clear()
    edit_api(committed)
    run("plan", cwd=committed)
    assert order == ["memo", "git"]


def test_an_edit_is_seen(committed: Path, analysed: list[str]):
    assert "Nothing to rebuild" in run("plan", cwd=committed).out
    edit_api(committed)
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
    edit_api(committed)
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


@pytest.fixture
def emitted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The roots of the analyses emits completed (none when an emit reused its last one)."""
    return completions(monkeypatch, emit_command)


def test_a_second_emit_reuses_the_first(committed: Path, emitted: list[str]):
    first = run("emit", cwd=committed)
    written = {p: (committed / p).read_bytes() for p in EMITTED}
    second = run("emit", cwd=committed)
    assert second == first and first.code == 0 and first.out.startswith("wrote ")
    assert len(emitted) == 1
    assert {p: (committed / p).read_bytes() for p in EMITTED} == written


def test_an_emitted_file_edited_by_hand_is_written_again(committed: Path, emitted: list[str]):
    run("emit", cwd=committed)
    original = (committed / "build/Dockerfile").read_bytes()
    (committed / "build/Dockerfile").write_text("# edited by hand\n")
    run("emit", cwd=committed)
    assert (committed / "build/Dockerfile").read_bytes() == original
    (committed / "build/docker-bake.json").unlink()
    run("emit", cwd=committed)
    assert (committed / "build/docker-bake.json").exists()
    assert len(emitted) == 3


def test_a_stale_slice_is_removed_though_the_scan_leaves_slices_out(
    committed: Path, emitted: list[str]
):
    run("emit", cwd=committed)
    slices = sorted((committed / "build/locks").glob("*.txt"))
    stale = slices[0].with_name("gone.txt")
    stale.write_bytes(slices[0].read_bytes())
    run("emit", cwd=committed)
    assert not stale.exists()
    assert len(emitted) == 2


def test_an_edit_is_emitted(committed: Path, emitted: list[str]):
    assert "images; 0 to rebuild" in run("emit", cwd=committed).out
    edit_api(committed)
    after = run("emit", cwd=committed)
    assert re.search(r"images; [1-9]\d* to rebuild", after.out)
    assert len(emitted) == 2


def test_a_reused_emit_still_warns_of_outputs_git_ignores(committed: Path, emitted: list[str]):
    run("emit", cwd=committed)
    with open(committed / ".git/info/exclude", "a") as handle:  # not part of the tree's view
        handle.write("build/Dockerfile\n")
    again = run("emit", cwd=committed)
    assert "warning: git ignores build/Dockerfile" in again.err
    assert len(emitted) == 1

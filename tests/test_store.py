"""The state store decides alone what to trust: garbage in `.graphbuild/` changes no result,
a pickle from other code is never loaded, and `plan -v` says where the analysis came from."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from graphbuild.hashing.lockfile import Lock
from graphbuild.state import fingerprint
from graphbuild.state.kinds import PARSED_LOCK
from graphbuild.state.store import STATE_DIR, Miss, Missed, Store
from tests.conftest import git, run
from tests.test_cli import fake_docker

COMMANDS = (
    ("plan",),
    ("plan", "--format", "json"),
    ("graph", "--plan", "--format", "json"),
    ("emit", "--check"),
    ("build", "--dry-run", "--docker", "DOCKER"),
)


def results(workspace: Path, docker: str) -> list[tuple[int, str, str]]:
    """What each command prints and returns."""
    outcomes = []
    for command in COMMANDS:
        argv = [docker if word == "DOCKER" else word for word in command]
        result = run(*argv, cwd=workspace)
        outcomes.append((result.code, result.out, result.err))
    return outcomes


def scramble(folder: Path, seed: int) -> int:
    """Overwrite every file below `folder` with random bytes of a random length."""
    chance = random.Random(seed)
    count = 0
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            path.write_bytes(chance.randbytes(chance.randrange(0, 4096)))
            count += 1
    return count


@pytest.mark.parametrize("in_git", [False, True], ids=["walk", "git"])
def test_random_bytes_in_every_state_file_change_no_result(
    example: Path, tmp_path: Path, in_git: bool
):
    if in_git:
        (example / ".gitignore").write_text(".graphbuild/\n")
        git(example, "init", "-q")
        git(example, "add", "-A")
        git(example, "commit", "-qm", "base")
    assert run("emit", cwd=example).code == 0
    with open(example / "images/api/src/api/__init__.py", "a") as handle:
        handle.write("# an edit, so the plan has reasons to name\n")
    docker = fake_docker(tmp_path)
    shutil.rmtree(example / STATE_DIR)
    truth = results(example, docker)  # with no cache at all
    assert truth == results(example, docker)  # warm: from the caches just written
    for seed in range(3):
        assert scramble(example / STATE_DIR, seed) > 5
        assert results(example, docker) == truth, seed


class OlderLock:
    """Pickles as a Lock did before the class had all of today's fields: it loads, and fails
    only when a missing field is read."""

    def __reduce__(self) -> tuple[object, ...]:
        return (object.__new__, (Lock,), {"images": {}})


def test_a_pickle_written_by_other_code_is_never_loaded(example: Path, monkeypatch):
    first = run("plan", cwd=example)
    lock_text = (example / "graphbuild.lock").read_text()
    import hashlib

    digest = hashlib.sha256(lock_text.encode()).digest()
    store = Store(example / STATE_DIR)
    with monkeypatch.context() as patch:
        patch.setattr(fingerprint, "code_fingerprint", lambda: "an-older-graphbuild")
        store.write(PARSED_LOCK, (digest, "graphbuild.lock", OlderLock()))
    assert store.read(PARSED_LOCK) == Missed(Miss.OTHER_CODE)
    again = run("plan", cwd=example)  # before the store, this raised AttributeError
    assert (again.code, again.out, again.err) == (first.code, first.out, first.err)


def test_plan_verbose_says_where_the_analysis_came_from(example: Path):
    (example / ".gitignore").write_text(".graphbuild/\n")
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    first = run("plan", "-v", cwd=example)
    assert first.err.startswith("analysis: a full analysis (no memo from this code)")
    old = 1_700_000_000
    for path in example.rglob("*"):
        if ".git" not in path.parts and path.is_file():
            os.utime(path, (old, old))
    run("plan", cwd=example)  # settled files: the memo is written
    assert run("plan", "-v", cwd=example).err == "analysis: the memo of an unchanged tree\n"
    source = example / "images/api/src/api/__init__.py"
    source.write_text(source.read_text() + "# edit\n")
    os.utime(source, (old + 10, old + 10))
    assert run("plan", "-v", cwd=example).err.startswith(
        "analysis: the memo, with the edited files rehashed"
    )
    (example / "images/api/new.py").write_text("")
    assert run("plan", "-v", cwd=example).err.startswith(
        "analysis: a full analysis (untracked or ignored folders"
    ) or run("plan", "-v", cwd=example).err.startswith("analysis: a full analysis (a file was")

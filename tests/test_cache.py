"""Local state: a damaged cache is detected and rebuilt, never trusted; one writer at a time."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from graphbuild.analysis.memo import GIT_MEMO, WALK_MEMO, load_git_memo
from graphbuild.analysis.run import CACHE_DIR, Source, analyze
from graphbuild.state.kinds import STAGE_RECORDS, STAT_DIGESTS
from graphbuild.state.store import Codec, Hit, Kind, Miss, Missed, Store, workspace_lock
from tests.support import REPO, git, run


def test_sealed_round_trip_and_damage(tmp_path: Path):
    store = Store(tmp_path)
    kind = Kind("c", 1, Codec.DATA, dict, code_bound=False)
    path = store.path(kind)
    store.write(kind, {"a": (1, 2)})
    assert store.read(kind) == Hit({"a": (1, 2)})
    newer = Kind("c", 2, Codec.DATA, dict, False)
    assert store.read(newer) == Missed(Miss.ABSENT)  # each version has a file of its own
    store.path(newer).write_bytes(path.read_bytes())  # and the header is checked too
    assert store.read(newer) == Missed(Miss.OTHER_VERSION)
    assert store.read(Kind("c", 1, Codec.DATA, list, False)) == Missed(Miss.WRONG_SHAPE)
    assert store.read(Kind("d", 1, Codec.DATA, dict, False)) == Missed(Miss.ABSENT)
    data = path.read_bytes()
    path.write_bytes(data[:-3])  # truncated
    assert store.read(kind) == Missed(Miss.CORRUPT)
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one flipped bit
    assert store.read(kind) == Missed(Miss.CORRUPT)
    path.write_bytes(b"")
    assert store.read(kind) == Missed(Miss.FOREIGN)
    assert Store(None).read(kind) == Missed(Miss.DISABLED)


def age(path: Path) -> None:
    """Make every file old enough to be cached (the cache skips just-modified files)."""
    for p in path.rglob("*"):
        if p.is_file():
            os.utime(p, (1_700_000_000, 1_700_000_000))


def test_a_lying_digest_cache_is_not_trusted(example: Path, settled: None):
    age(example)
    truth = analyze(example).hashes
    cache = example / CACHE_DIR / STAT_DIGESTS.file_name
    data = bytearray(cache.read_bytes())
    at = data.find(b"images/api/src/api/__init__.py")
    assert at > 0
    blob = re.compile(rb"\0[0-9a-f]{40}").search(data, at)  # the path's blob id, next after it
    assert blob is not None
    data[blob.start() + 5] = ord("0") if data[blob.start() + 5] != ord("0") else ord("1")
    cache.write_bytes(bytes(data))
    (example / CACHE_DIR / WALK_MEMO.file_name).unlink()  # make the analysis read the digest cache
    assert analyze(example).hashes == truth  # the seal broke: everything was rehashed
    assert cache.read_bytes() != bytes(data)  # and the cache was rewritten


def test_damaged_records_only_lose_the_reasons(example: Path):
    run("lock", cwd=example)
    for record in (example / CACHE_DIR / STAGE_RECORDS.file_name).iterdir():
        record.write_bytes(b"garbage")
    with open(example / "images/api/src/api/__init__.py", "a") as handle:
        handle.write("# edit\n")
    plan = json.loads(run("plan", "--format", "json", cwd=example).out)
    api = next(t for t in plan["targets"] if t["label"] == "//images/api:api")
    assert api["status"] == "rebuild"
    assert api["reasons"][0]["kind"] == "unrecorded"


def test_workspace_lock_serialises_writers(example: Path):
    order: list[str] = []

    def hold() -> None:
        with workspace_lock(example):
            order.append("first in")
            time.sleep(0.3)
            order.append("first out")

    thread = threading.Thread(target=hold)
    thread.start()
    time.sleep(0.1)
    script = (
        "import sys; from pathlib import Path; from graphbuild.state.store import workspace_lock\n"
        "with workspace_lock(Path(sys.argv[1])): print('second in')"
    )
    second = subprocess.run(
        [sys.executable, "-c", script, str(example)], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)}, check=True,
    )  # fmt: skip
    thread.join()
    assert order == ["first in", "first out"]
    assert second.stdout == "second in\n"


def test_two_emits_at_once_leave_complete_files(example: Path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "graphbuild", "-C", str(example), "emit"]
    processes = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE) for _ in range(3)]
    assert [p.wait() for p in processes] == [0, 0, 0]
    assert run("emit", "--check", cwd=example).code == 0


def test_killing_emit_at_any_moment_leaves_old_or_new_files(example: Path):
    from graphbuild.emit.outputs import render_outputs

    assert run("emit", cwd=example).code == 0
    paths = ["build/Dockerfile", "build/docker-bake.json", "build/Dockerfile.dockerignore",
             "graphbuild.lock"]  # fmt: skip
    old = {p: (example / p).read_text() for p in paths}
    with open(example / "images/worker/src/worker/__main__.py", "a") as handle:
        handle.write("# edit\n")
    analysis = analyze(example, use_cache=False)
    new = dict(render_outputs(analysis.graph, analysis.hashes, in_git=False).files)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "graphbuild", "-C", str(example), "emit"]
    for delay in (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7):
        process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
        time.sleep(delay)
        process.kill()
        process.wait()
        for path in paths:
            text = (example / path).read_text()
            assert text in (old[path], new[path]), (delay, path)
    assert run("emit", cwd=example).code == 0
    assert not list((example / "build").glob(".*.tmp"))  # temp files of killed runs are swept
    assert {p: (example / p).read_text() for p in paths} == {p: new[p] for p in paths}


def test_the_analysis_memo_is_reused_only_for_an_unchanged_tree(example: Path, settled: None):
    age(example)
    truth = analyze(example, use_cache=False).hashes
    assert analyze(example).hashes == truth  # computes and stores the memo
    memo = example / CACHE_DIR / WALK_MEMO.file_name
    assert memo.exists()
    stored = memo.read_bytes()
    assert analyze(example).hashes == truth  # a hit
    assert memo.read_bytes() == stored
    source = example / "images/api/src/api/__init__.py"
    source.write_text(source.read_text().replace("ok", "OK"))  # same size, new content
    os.utime(source, (1_700_000_100, 1_700_000_100))
    edited = analyze(example).hashes
    assert edited == analyze(example, use_cache=False).hashes
    assert edited.targets != truth.targets
    memo.write_bytes(stored[:-10])  # damaged: ignored, recomputed
    assert analyze(example).hashes == edited


def test_the_memo_after_a_few_edits_stores_the_changed_records_alone(example: Path, settled: None):
    """The memo of a git view keeps its shape's hashes once; each later few-edits memo keeps
    only the stage records that differ from them, and reads back every hash."""
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    store = Store(example / CACHE_DIR)
    assert analyze(example).source is Source.FULL
    assert load_git_memo(store).memo.hashes == analyze(example, use_cache=False).hashes
    stored = store.get(GIT_MEMO)
    assert stored is not None and stored.changed_stages == {}
    with open(example / "images/api/src/api/__init__.py", "a") as handle:
        handle.write("# edited\n")
    edited = analyze(example)
    assert edited.source is Source.FEW_EDITS
    changed = store.get(GIT_MEMO).changed_stages
    assert 0 < len(changed) < len(edited.hashes.stages) / 4
    assert all(str(label).startswith("//images/api:") for label in changed)
    assert load_git_memo(store).memo.hashes == edited.hashes
    assert analyze(example).hashes == analyze(example, use_cache=False).hashes == edited.hashes


def test_a_memo_from_other_code_is_not_used(example: Path, monkeypatch):
    from graphbuild.analysis import run as pipeline
    from graphbuild.state import fingerprint

    age(example)
    first = analyze(example)
    monkeypatch.setattr(fingerprint, "code_fingerprint", lambda: "another-graphbuild")
    calls = []
    real = pipeline.build_graph
    monkeypatch.setattr(pipeline, "build_graph", lambda ws: calls.append(1) or real(ws))
    assert analyze(example).hashes == first.hashes
    assert calls == [1]  # recomputed, not taken from the memo


def test_a_stat_cache_far_larger_than_what_it_could_serve_is_not_read(
    example: Path, settled: None, monkeypatch
):
    from graphbuild.state import digests

    truth = analyze(example, use_cache=False).hashes
    assert analyze(example, use_git=False).hashes == truth  # a walk caches every file
    cache = example / CACHE_DIR / STAT_DIGESTS.file_name
    assert cache.stat().st_size > 1000
    age(example)  # older than git's index: no file racily clean
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    untracked = example / "images/api/src/api/notes.txt"  # an input git does not vouch for
    untracked.write_text("untracked\n")
    unpacked: list[int] = []
    real = digests.unpack_stat_rows
    monkeypatch.setattr(digests, "unpack_stat_rows", lambda b: unpacked.append(1) or real(b))
    (example / CACHE_DIR / WALK_MEMO.file_name).unlink()
    assert analyze(example).hashes == analyze(example, use_cache=False).hashes
    assert unpacked == []  # far larger than the one file's row: left unread
    assert cache.stat().st_size < 1000  # and made anew, with that file's row alone
    analyze(example, use_git=False)  # a walk again: a row for every file
    assert cache.stat().st_size > 1000
    unpacked.clear()  # (the walk read it: every file wanted a row)
    with open(untracked, "a") as handle:
        handle.write("edited\n")
    edited = analyze(example)
    assert edited.source is Source.FEW_EDITS
    assert unpacked == []  # nor for the few edits of a plan with git
    assert edited.hashes == analyze(example, use_cache=False).hashes
    monkeypatch.setattr(digests, "ROW_BYTES", 10**9)  # a cache within bounds is read
    shutil.rmtree(example / CACHE_DIR)
    analyze(example, use_git=False)
    analyze(example)
    assert unpacked == [1]

"""The state store decides alone what to trust: garbage in `.graphbuild/` changes no result,
a record from other code is never loaded, a crafted one runs nothing (no record is a pickle),
and `plan -v` says where the analysis came from."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import shutil
import time
from pathlib import Path

import pytest

from graphbuild.hashing.lockfile import Lock
from graphbuild.state import fingerprint
from graphbuild.state.kinds import PARSED_LOCK
from graphbuild.state.store import STATE_DIR, Codec, Hit, Kind, Miss, Missed, Store
from tests.support import git, run
from tests.support.fake_docker import fake_docker

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
    example: Path, tmp_path: Path, in_git: bool, settled: None
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
        # at least the memo and its summary, the digest cache, the parsed lock, .gitignore
        assert scramble(example / STATE_DIR, seed) >= 5
        assert results(example, docker) == truth, seed


def test_a_record_written_by_other_code_is_never_loaded(example: Path, monkeypatch):
    first = run("plan", cwd=example)
    lock_text = (example / "graphbuild.lock").read_text()
    digest = hashlib.sha256(lock_text.encode()).digest()
    store = Store(example / STATE_DIR)
    with monkeypatch.context() as patch:
        patch.setattr(fingerprint, "code_fingerprint", lambda: "an-older-graphbuild")
        store.write(PARSED_LOCK, (digest, "graphbuild.lock", Lock(images={"//x:x": "y"})))
    assert store.read(PARSED_LOCK) == Missed(Miss.OTHER_CODE)
    again = run("plan", cwd=example)
    assert (again.code, again.out, again.err) == (first.code, first.out, first.err)


class Payload:
    """What a hostile repository (or a poisoned CI cache) would commit: unpickling it writes a
    file. No record of graphbuild's may ever run it."""

    def __init__(self, proof: Path) -> None:
        self.proof = proof

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.write_text, (self.proof, "code ran"))


def sealed(codec: str, payload: bytes) -> bytes:
    """A record of PARSED_LOCK with a well-formed header and checksum, as anyone can compute
    them (the code fingerprint hashes graphbuild's public sources)."""
    code = fingerprint.code_fingerprint()
    head = f"graphbuild-state {PARSED_LOCK.name} {PARSED_LOCK.version} {codec} {code}\n"
    return head.encode() + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


@pytest.mark.parametrize(
    "make",
    [
        lambda proof: sealed("pickle", pickle.dumps(Payload(proof))),
        lambda proof: sealed("data", pickle.dumps(Payload(proof))),
        lambda proof: sealed(
            "data", json.dumps({"$a": "pathlib:Path"}).encode()
        ),  # a class outside graphbuild's data classes
        lambda proof: sealed(
            "data", json.dumps({"$n": "subprocess:run", "$v": [["touch", str(proof)]]}).encode()
        ),
    ],
)
def test_a_crafted_record_runs_nothing(example: Path, tmp_path: Path, make):
    first = run("plan", cwd=example)
    proof = tmp_path / "proof"
    (example / STATE_DIR / PARSED_LOCK.file_name).write_bytes(make(proof))
    again = run("plan", cwd=example)
    assert not proof.exists()
    assert (again.code, again.out, again.err) == (first.code, first.out, first.err)
    assert isinstance(Store(example / STATE_DIR).read(PARSED_LOCK), Hit)  # rewritten as data


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


def test_a_second_edit_of_a_dirty_file_is_rehashed_not_reanalyzed(example: Path, settled):
    """The memo of a tree with a dirty file holds its stat entry; a second edit of it is a
    few-edits delta (a stat entry read by position once took its mode for a symlink target,
    and every such edit fell back to a full analysis)."""
    (example / ".gitignore").write_text(".graphbuild/\n")
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    source = example / "images/api/src/api/__init__.py"
    source.write_text(source.read_text() + "# first edit\n")
    run("plan", cwd=example)
    run("plan", cwd=example)  # the memo now holds the dirty file by its stat data
    source.write_text(source.read_text() + "# second edit\n")
    assert run("plan", "-v", cwd=example).err.startswith(
        "analysis: the memo, with the edited files rehashed"
    )


def test_a_bytes_record_is_kept_as_it_is(tmp_path: Path):
    """git's index listing is stored raw (no base64 of 20 MB), sealed like any record."""
    kind = Kind("raw-test", 1, Codec.BYTES, bytes, code_bound=False)
    store = Store(tmp_path)
    listing = b"H 100644 " + b"0" * 40 + b" 0\tsrc/\xff name\0"
    store.write(kind, listing)
    assert store.get(kind) == listing
    assert (tmp_path / kind.file_name).read_bytes().endswith(listing)
    store.write(kind, "not bytes")  # refused: the old record stays
    assert store.get(kind) == listing
    path = tmp_path / kind.file_name
    path.write_bytes(path.read_bytes()[:-1] + b"X")
    assert store.get(kind) is None  # its checksum no longer matches


def test_a_data_record_written_in_pieces_is_the_whole_json(example: Path):
    from types import MappingProxyType

    from graphbuild.analysis.memo import Parts, shape_inputs
    from graphbuild.analysis.run import analyze
    from graphbuild.state import data

    analysis = analyze(example, use_cache=False)
    parts = Parts(analysis.workspace, analysis.graph, analysis.inputs, analysis.hashes)
    values = [
        parts,
        shape_inputs(analysis.inputs, analysis.hashes),
        MappingProxyType({"a": (1, b"x"), "b": {}}),
        {("k", 1): (frozenset({"z", "y"}), ((), ("x", (1,))))},
        {},
        "text é",
        None,
    ]
    for value in values:
        pieces: list[bytes] = []
        data.dump_into(value, pieces.append)
        assert b"".join(pieces) == data.dumps(value)
        assert data.loads(data.dumps(value)) == value  # tuples nested in tuples come back
    pieces = []
    data.dump_into(parts, pieces.append)
    assert len(pieces) > 100  # written a field and an item at a time, not whole
    assert data.loads(b"".join(pieces)) == parts


def test_attrs_values_are_kept_by_position_only_where_their_initialiser_takes_them_so():
    import attrs

    from graphbuild.state import data

    @attrs.frozen
    class Plain:
        a: int
        b: str = ""
        _cache: object = attrs.field(default=None, eq=False)

    @attrs.frozen
    class PrivateFirst:
        _cache: object = attrs.field(default=None, eq=False)
        a: int = 0

    @attrs.frozen
    class KeywordOnly:
        a: int = attrs.field(kw_only=True)

    assert data.layout_of(Plain) == data.Layout(data.name_of(Plain), (("a", "a"), ("b", "b")), True)
    assert not data.layout_of(PrivateFirst).positional
    assert not data.layout_of(KeywordOnly).positional
    assert data.dumps(KeywordOnly(a=1)).startswith(b'{"$a":')  # by name: its keyword


def test_data_with_a_tag_graphbuild_does_not_write_is_refused():
    from graphbuild.core.labels import Label
    from graphbuild.state import data

    label = Label("images/api", "api")
    assert data.loads(data.dumps(label)) == label
    for payload in (
        b'{"$zz":1}',  # no such tag
        b'{"a":{"b$":1}}',  # an object with no tag
        b'{"package":"x","name":"y","$a":"graphbuild.core.labels:Label"}',  # tag not first
        b'{"$a":"graphbuild.core.labels:Label","package":"x","name":"y","$e":1}',  # two tags
        b'{"$c":"graphbuild.core.labels:Label","$v":["x"]}',  # too few values
        b'{"$c":"graphbuild.core.labels:Label","$v":["x","y",null,null,1]}',  # too many
        b'{"$c":"graphbuild.core.labels:Label","$v":["x","y",null,null],"name":"z"}',
        b'{"$c":"graphbuild.core.labels:Label","$v":{"$m":[]}}',  # not values in order
        b'{"$a":"os:system"}',  # not a graphbuild data class
        b'{"$m":[[{"$m":[]},1]]}',  # a mapping as a key
        b'[1,{"a":1}]',  # an untagged object inside an array
    ):
        with pytest.raises(data.DecodeError):
            data.loads(payload)


def test_records_of_stages_both_commits_hold_are_written_once(example: Path, monkeypatch):
    """`--since` stores the records of both commits: a stage the two share is one file, and
    writing it twice cost a plan of 500 images 2,245 file creations more (0.5 ms each)."""
    from graphbuild.analysis.run import analyze
    from graphbuild.state.kinds import STAGE_RECORDS
    from graphbuild.state.records import load_records, save_records

    records = list(analyze(example, use_cache=False).hashes.stages.values())
    store = Store(example / STATE_DIR)
    written: list[str | None] = []
    write = Store.write
    monkeypatch.setattr(
        Store,
        "write",
        lambda self, kind, value, key=None: (written.append(key), write(self, kind, value, key)),
    )
    save_records(store, [*records, *records])
    assert sorted(written) == sorted({r.hash.removeprefix("sha256:") for r in records})
    assert load_records(store, [r.hash for r in records]).keys() == {r.hash for r in records}
    assert store.keys(STAGE_RECORDS) == set(written)


def test_a_plan_stores_the_baselines_records_and_lock_its_own(
    example: Path, monkeypatch, settled: None
):
    """A plan's own stage records are in its memo: after an edit it stores only the baseline's,
    from which the next plan names its reasons; `lock`, which makes the current stages the
    baseline, stores theirs. (A plan stored its own too: at 500 images, the first plan with
    changes created 2,306 files, 0.1 to 0.9 s on these machines, and each later one tens.)"""
    from graphbuild.hashing.lockfile import parse_lock
    from graphbuild.state.kinds import STAGE_RECORDS

    def locked() -> set[str]:
        text = (example / "graphbuild.lock").read_text()
        return {h.removeprefix("sha256:") for h in parse_lock(text, "lock").stages.values()}

    assert run("lock", cwd=example).code == 0
    before = locked()
    written: list[str | None] = []
    write = Store.write
    monkeypatch.setattr(
        Store,
        "write",
        lambda self, kind, value, key=None: (
            written.append(key) if kind == STAGE_RECORDS else None,
            write(self, kind, value, key),
        ),
    )
    with open(example / "images/api/src/api/__init__.py", "a") as handle:
        handle.write("# an edit\n")
    assert "input changed: images/api/src/api/__init__.py" in run("plan", cwd=example).out
    assert set(written) <= before
    assert "input changed" in run("plan", cwd=example).out  # named from the stored records
    assert run("lock", cwd=example).code == 0
    assert locked() - before and locked() - before <= set(written)


def test_records_written_behind_are_there_once_read(tmp_path: Path):
    """A child writes them while the caller goes on; a read of their kind, a write over it
    and the store's closing wait for the child."""
    import threading

    kind = Kind("behind", 1, Codec.JSON, dict, code_bound=False)
    other = Kind("other", 1, Codec.JSON, dict, code_bound=False)
    store = Store(tmp_path)
    parent = os.getpid()
    store.write_behind([kind], lambda: store.write(kind, {"by": os.getpid()}))
    assert store.behind and store.behind[0][1] == {"behind"}
    store.write(other, {"x": 1})  # another kind: no wait
    assert store.behind
    written = store.get(kind)
    assert written is not None and written["by"] != parent  # the child wrote it
    assert store.behind == []
    started = threading.Event()
    done = threading.Event()
    thread = threading.Thread(target=lambda: (started.set(), done.wait()))
    thread.start()
    started.wait()
    try:  # another thread runs: a fork is not safe, so the write is made here and now
        store.write_behind([kind], lambda: store.write(kind, {"by": os.getpid()}))
    finally:
        done.set()
        thread.join()
    assert store.behind == [] and store.get(kind) == {"by": parent}


def test_the_workspace_lock_is_held_until_the_writes_behind_are_done(example: Path):
    from graphbuild.state.store import open_store

    kind = Kind("behind", 1, Codec.JSON, dict, code_bound=False)
    with open_store(example) as store:
        store.write_behind([kind], lambda: (time.sleep(0.3), store.write(kind, {"a": 1})))
    assert Store(example / STATE_DIR).get(kind) == {"a": 1}  # closing waited for it

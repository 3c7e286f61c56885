"""A walk with nothing stored reads the files of its packages as it finds them: exactly the
regular files inside packages are handed on (never a link, a FIFO or a BUILD.toml), the scan
is the walk's without reading, and the hashes are those of the walk read afterwards."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graphbuild.analysis import run as analysis_run
from graphbuild.analysis.run import Source, analyze
from graphbuild.definition.load import read_root, scan_exclusions
from graphbuild.hashing import reading
from graphbuild.hashing.reading import Hashing, Unreadable, blob_id, run_chunk
from graphbuild.state.store import Store
from graphbuild.tree.walk import AWAITED, Entry, new_entry, scan_workspace


def lstat_entry(path: Path) -> Entry:
    """What a walk's lstat says of a regular file."""
    found = os.lstat(path)
    fields = (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino, found.st_mode)
    return new_entry((*fields, None, None))


def odd_files(root: Path) -> None:
    """A symlink, a FIFO, a file in a hidden folder and in a nested workspace, a root file."""
    (root / "images/api/src/api/link.py").symlink_to("__main__.py")
    os.mkfifo(root / "images/api/pipe")
    (root / "images/api/.hidden").mkdir()
    (root / "images/api/.hidden/x.txt").write_text("x\n")
    (root / "nested").mkdir()
    (root / "nested/BUILD.toml").write_text("[workspace]\n")
    (root / "nested/inside.txt").write_text("in\n")
    (root / "top.txt").write_text("top\n")


def test_the_walk_hands_on_the_regular_files_of_packages_only(example: Path):
    """... and leaves them AWAITED: the reader's fstat fills them in as the walk's lstat would
    have, in the walk's order."""
    odd_files(example)
    exclude = scan_exclusions(read_root(example))
    found: list[list[str]] = []
    entries: dict[str, Entry] = {}
    hashing = Hashing.streamed(example, entries)
    told = scan_workspace(
        example, exclude, lambda paths: (found.append(paths), hashing.add(paths)), entries
    )
    plain = scan_workspace(example, exclude)
    handed = [p for batch in found for p in batch]
    assert {p for p, e in told.entries.items() if e is AWAITED} == set(handed)
    hashing.results()
    assert told == plain
    assert list(told.entries.items()) == list(plain.entries.items())
    assert len(handed) == len(set(handed))
    packages = {f.rpartition("/")[0] for f in plain.build_files if "/" in f}
    expected = {
        path
        for path, entry in plain.entries.items()
        if entry.link is None
        and not path.endswith("BUILD.toml")
        and any(path.startswith(p + "/") for p in packages)
    }
    assert set(handed) == expected
    assert "images/api/.hidden/x.txt" in expected  # inside a package, hidden or not
    assert not {"images/api/src/api/link.py", "images/api/pipe", "top.txt"} & set(handed)
    assert not any(p.startswith("nested/") for p in handed)


@pytest.mark.parametrize("batch", [2, 100_000])  # in workers as it goes, or all at the end
def test_streamed_hashing_reads_what_a_batch_reads(example: Path, monkeypatch, batch: int):
    monkeypatch.setattr(reading, "STREAMED_BATCH", batch)
    monkeypatch.setattr(reading, "WORKERS", 2)
    paths = sorted(str(p.relative_to(example)) for p in example.rglob("*.py"))
    assert len(paths) > 4
    entries = dict.fromkeys(paths, AWAITED)
    hashing = Hashing.streamed(example, entries)
    for i in range(0, len(paths), 3):
        hashing.add(paths[i : i + 3])
    assert (hashing.pool is not None) == (batch == 2)
    assert hashing.results() == run_chunk(str(example), paths)
    assert hashing.pool is None  # stopped once the results are in
    assert entries == {p: lstat_entry(example / p) for p in paths}


def test_a_first_walked_analysis_reads_ahead_with_the_same_hashes(
    example: Path, monkeypatch, settled: None
):
    odd_files(example)
    (example / "images/api/pipe").unlink()  # an input that is a FIFO is an error of its own
    with monkeypatch.context() as patched:  # a store holding something: read afterwards
        patched.setattr(Store, "is_empty", lambda self: False)
        truth = analyze(example, use_cache=False, use_git=False).hashes
    monkeypatch.setattr(reading, "STREAMED_BATCH", 2)
    monkeypatch.setattr(reading, "WORKERS", 2)
    started: list[Hashing] = []
    streamed = Hashing.streamed
    monkeypatch.setattr(
        analysis_run.Hashing,
        "streamed",
        lambda root, entries: started.append(streamed(root, entries)) or started[-1],
    )
    assert analyze(example, use_git=False).hashes == truth  # nothing stored: read ahead
    assert len(started) == 1 and started[0].parts  # in workers, as the walk went
    again = analyze(example, use_git=False)
    assert again.hashes == truth
    assert again.source == Source.MEMO  # the readers' stat data is the walk's
    (example / "images/api/src/api/__main__.py").write_text("# changed\n")
    changed = analyze(example, use_git=False).hashes  # stored: read once the inputs are known
    assert len(started) == 1
    monkeypatch.setattr(Store, "is_empty", lambda self: False)
    assert changed == analyze(example, use_cache=False, use_git=False).hashes
    assert len(started) == 1


def test_the_reader_neither_follows_a_symlink_nor_waits_on_a_fifo(tmp_path: Path):
    """A file the walk saw as regular may be a symlink or a FIFO by the time a reader opens it:
    neither is followed or waited on; each is unreadable, with no stat data."""
    import threading

    (tmp_path / "target").write_text("x")
    (tmp_path / "link").symlink_to("target")
    os.mkfifo(tmp_path / "pipe")
    paths = ["link", "pipe", "target"]
    answer: list[reading.Packed] = []
    worker = threading.Thread(
        target=lambda: answer.append(reading._hash_chunk(str(tmp_path), "\0".join(paths), True)),
        daemon=True,
    )
    worker.start()
    worker.join(10)
    assert answer, "the reader waited on the FIFO"
    results = reading.unpack_chunk(paths, answer[0])
    assert isinstance(results["link"], Unreadable) and isinstance(results["pipe"], Unreadable)
    assert results["target"] == blob_id(b"x")
    assert dict(reading.unpack_stats(paths, answer[0])) == {
        "target": lstat_entry(tmp_path / "target")
    }

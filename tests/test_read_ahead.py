"""A walk with nothing stored reads the files of its packages as it finds them: exactly the
regular files inside packages are handed on (never a link, a FIFO or a BUILD.toml), the scan
is the walk's without reading, and the hashes are those of the walk read afterwards."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graphbuild.analysis import run as analysis_run
from graphbuild.analysis.run import analyze
from graphbuild.definition.load import read_root, scan_exclusions
from graphbuild.hashing import reading
from graphbuild.hashing.reading import Hashing, run_chunk
from graphbuild.state.store import Store
from graphbuild.tree.walk import scan_workspace


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
    odd_files(example)
    exclude = scan_exclusions(read_root(example))
    found: list[list[str]] = []
    told = scan_workspace(example, exclude, found.append)
    plain = scan_workspace(example, exclude)
    assert told == plain
    assert list(told.entries.items()) == list(plain.entries.items())
    handed = [p for batch in found for p in batch]
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
    hashing = Hashing.streamed(example)
    for i in range(0, len(paths), 3):
        hashing.add(paths[i : i + 3])
    assert (hashing.pool is not None) == (batch == 2)
    assert hashing.results() == run_chunk(str(example), paths)
    assert hashing.pool is None  # stopped once the results are in


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
        analysis_run.Hashing, "streamed", lambda root: started.append(streamed(root)) or started[-1]
    )
    assert analyze(example, use_git=False).hashes == truth  # nothing stored: read ahead
    assert len(started) == 1 and started[0].parts  # in workers, as the walk went
    assert analyze(example, use_git=False).hashes == truth  # the memo
    (example / "images/api/src/api/__main__.py").write_text("# changed\n")
    changed = analyze(example, use_git=False).hashes  # stored: read once the inputs are known
    assert len(started) == 1
    monkeypatch.setattr(Store, "is_empty", lambda self: False)
    assert changed == analyze(example, use_cache=False, use_git=False).hashes
    assert len(started) == 1

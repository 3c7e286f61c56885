"""The bad-input corpus: every case fails with exit code 2 and one snapshotted line, and
leaves the workspace exactly as it was."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support import FIXTURES, run

CASES = sorted(p.name for p in (FIXTURES / "invalid").iterdir() if p.is_dir())
RUNTIME_CASES = ["symlink_escape"]


def make_case(name: str, dest: Path) -> Path:
    """Copy a corpus case to `dest`; cases git cannot hold (symlinks out) are made here."""
    if name == "symlink_escape":
        dest.mkdir()
        (dest / "BUILD.toml").write_text(
            '[workspace]\nname = "bad"\n\n[[target]]\nname = "a"\nrule = "stages"\n'
            'from = "scratch"\ninputs = ["config/**"]\nsteps = ["COPY config/ /etc/app/"]\n'
        )
        (dest / "config").mkdir()
        os.symlink("/etc/passwd", dest / "config" / "passwd")
        return dest
    shutil.copytree(FIXTURES / "invalid" / name, dest, symlinks=True)
    return dest


def snapshot_tree(root: Path) -> dict[str, bytes]:
    """Every file below root with its bytes (symlinks as their target)."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            found[str(path.relative_to(root))] = os.readlink(path).encode()
        elif path.is_file():
            found[str(path.relative_to(root))] = path.read_bytes()
    return found


SEVERAL = {"uv_lock_problems_together": 2}


@pytest.mark.parametrize("case", CASES + RUNTIME_CASES)
@pytest.mark.parametrize("command", ["plan", "lock"])
def test_bad_input_is_one_line_and_exit_2(case: str, command: str, tmp_path: Path, text_snapshot):
    workspace = make_case(case, tmp_path / "ws")
    before = snapshot_tree(workspace)
    result = run(command, cwd=workspace)
    assert result.code == 2, result.err
    assert result.out == ""
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == SEVERAL.get(case, 1)  # every problem found together, one line each
    assert all(line.startswith("graphbuild: error: ") for line in lines)
    assert str(tmp_path) not in result.err  # only workspace-relative paths
    assert snapshot_tree(workspace) == before
    if command == "plan":  # one snapshot per case: both commands print the same line
        assert result.err == text_snapshot
    else:
        assert result.err == run("plan", cwd=workspace).err


def test_corpus_is_large_enough():
    assert len(CASES) + len(RUNTIME_CASES) >= 40

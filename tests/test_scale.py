"""Large inputs: a 2 GB input file is hashed in bounded memory, and a 20,000-stage dependency
chain loads, links and hashes without hitting a recursion limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

# VmHWM, not ru_maxrss: the kernel carries ru_maxrss across exec, so a child of a large pytest
# process starts with pytest's peak (this test once failed at 280 MB of pytest's own memory)
MEASURE = """
import sys
from pathlib import Path
from graphbuild.analysis.run import analyze
hashes = analyze(Path(sys.argv[1]), use_cache=False).hashes
status = Path("/proc/self/status").read_text()
print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
"""


def test_a_2gb_input_is_hashed_in_bounded_memory(tmp_path: Path):
    size = 2 * 1024**3
    (tmp_path / "BUILD.toml").write_text(
        '[workspace]\nname = "big"\n\n[[target]]\nname = "data"\nrule = "stages"\n'
        'from = "scratch"\ninputs = ["blob.bin"]\nsteps = ["COPY blob.bin /blob.bin"]\n'
    )
    with open(tmp_path / "blob.bin", "wb") as handle:  # sparse: no 2 GB written to disk
        handle.truncate(size)
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(tmp_path)], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)}, check=True,
    )  # fmt: skip
    peak_mb = int(result.stdout) / 1024
    assert peak_mb < 200, peak_mb


def test_zero_digest_of_a_sparse_file_matches(tmp_path: Path):
    from graphbuild.hashing.reading import blob_id, file_blob_id

    path = tmp_path / "zeros"
    with open(path, "wb") as handle:
        handle.truncate(3 * 1024 * 1024 + 7)  # read in chunks: larger than one whole read
    assert file_blob_id(path) == blob_id(bytes(3 * 1024 * 1024 + 7))


def test_a_20000_stage_chain_needs_no_recursion(tmp_path: Path):
    count = 20_000
    parts = ['[workspace]\nname = "chain"\n']
    for i in range(count):
        parent = "scratch" if i == 0 else f":t{i - 1}"
        parts.append(
            f'[[target]]\nname = "t{i}"\nrule = "stages"\nfrom = "{parent}"\n'
            f'steps = ["LABEL n={i}"]\n'
        )
    (tmp_path / "BUILD.toml").write_text("\n".join(parts))
    script = (
        "import sys; sys.setrecursionlimit(200)\n"  # far below the chain's depth
        "from pathlib import Path\nfrom graphbuild.analysis.run import analyze\n"
        "a = analyze(Path(sys.argv[1]), use_cache=False)\nprint(len(a.hashes.stages))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == str(count)

"""Large inputs: a 2 GB input file is hashed in bounded memory, a 20,000-stage dependency
chain loads, links and hashes without hitting a recursion limit, and long chains and cycles
are reported in output proportional to what changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support import REPO, run

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


def chain_workspace(root: Path, count: int, cycle: bool = False) -> None:
    """`count` targets, each FROM the one before; the first reads seed.txt, or (a cycle) is
    FROM the last."""
    parts = ['[workspace]\nname = "chain"\n']
    for i in range(count):
        parent = (f":t{count - 1}" if cycle else "scratch") if i == 0 else f":t{i - 1}"
        own = 'inputs = ["seed.txt"]\nsteps = ["COPY seed.txt /seed"]' if i == 0 else ""
        own = own or f'steps = ["LABEL n={i}"]'
        image = "image = true\n" if i == count - 1 else ""
        parts.append(
            f'[[target]]\nname = "t{i}"\nrule = "stages"\nfrom = "{parent}"\n{own}\n{image}'
        )
    (root / "BUILD.toml").write_text("\n".join(parts))
    (root / "seed.txt").write_text("1\n")


def test_a_long_chain_is_planned_in_output_proportional_to_what_changed(tmp_path: Path):
    """1,000 levels whose bottom changes: each entry names its chain by its ends (the plan
    was 11 MB of JSON, each entry holding the whole chain below it)."""
    chain_workspace(tmp_path, 1000)
    assert run("lock", cwd=tmp_path).code == 0
    (tmp_path / "seed.txt").write_text("2\n")
    plan = run("plan", "--format", "json", cwd=tmp_path).out
    assert len(plan) < 1000 * 700, len(plan)
    image = next(t for t in json.loads(plan)["targets"] if t["label"] == "//:t999")
    assert image["chain"] == ["//:t999", "//:t998", "//:t997", "//:t996",
                              "//:t3", "//:t2", "//:t1", "//:t0"]  # fmt: skip
    assert image["chain_skipped"] == 992
    text = run("plan", cwd=tmp_path).out
    assert max(len(line) for line in text.splitlines()) < 200
    assert (
        "first cause: //:t999 -> //:t998 -> //:t997 -> //:t996 -> … 992 more … -> //:t3 -> //:t2"
        " -> //:t1 -> //:t0: input changed: seed.txt\n" in text
    )


def test_a_long_cycle_is_named_by_its_ends(tmp_path: Path):
    chain_workspace(tmp_path, 3000, cycle=True)
    done = run("plan", cwd=tmp_path)
    assert done.code == 2
    assert done.err == (
        "graphbuild: error: BUILD.toml:4: //:t0: dependency cycle: //:t0 -> //:t2999 -> //:t2998"
        " -> //:t2997 -> … 2993 more … -> //:t3 -> //:t2 -> //:t1 -> //:t0\n"
    )

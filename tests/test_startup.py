"""What a command imports before git starts and on a plan's quick paths: structural checks (a
module's import, not a timing), since a warm plan is git's walk plus these imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support import git, run

API_SOURCE = "images/api/src/api/__init__.py"

# imports the modules of a command line, runs it, and prints which heavy modules it loaded
PROBE = """
import json, sys
from graphbuild.cli import main
before = {name for name in {HEAVY} if name in sys.modules}
code = main(sys.argv[1:]) if len(sys.argv) > 1 else 0
after = {name for name in {HEAVY} if name in sys.modules}
print(json.dumps({"before": sorted(before), "after": sorted(after), "code": code}), file=sys.stderr)
"""
HEAVY = (
    "attrs", "graphbuild.state.store", "graphbuild.definition.load", "networkx", "urllib.request"
)  # fmt: skip


def probe(*args: str) -> dict:
    """Run PROBE in a fresh interpreter: the heavy modules loaded by the CLI's own import, and
    after the command ran."""
    code = PROBE.replace("{HEAVY}", repr(set(HEAVY)))
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_the_command_line_imports_nothing_heavy_before_git_starts():
    assert probe()["before"] == []


def test_a_plan_after_an_edit_does_not_import_networkx(example: Path):
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    assert run("lock", cwd=example).code == 0
    assert run("plan", cwd=example).code == 0  # the memo of this tree
    with open(example / API_SOURCE, "a") as handle:
        handle.write("# edit\n")
    loaded = probe("-C", str(example), "plan")
    assert loaded["code"] == 0
    assert "networkx" not in loaded["after"]


def test_emit_and_build_after_an_edit_import_neither_networkx_nor_urllib(
    example: Path, tmp_path: Path, monkeypatch
):
    """Both render the bake file from the memo's graph: its ancestors are walked without
    networkx's DAG, and no registry is asked (80 ms and 35 ms of imports before each bake)."""
    docker = tmp_path / "docker"
    docker.write_text("#!/bin/sh\nexit 0\n")  # answers `buildx version` as a CLI with buildx
    docker.chmod(0o755)
    monkeypatch.setenv("GRAPHBUILD_DOCKER", str(docker))
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    for edit in ("# edit\n", "# another\n"):  # the first: HEAD's records, analysed once
        assert run("emit", cwd=example).code == 0
        with open(example / API_SOURCE, "a") as handle:
            handle.write(edit)
    emitted = probe("-C", str(example), "emit")
    built = probe("-C", str(example), "build", "--dry-run", "//images/api:api")
    assert (emitted["code"], built["code"]) == (0, 0)
    assert not {"networkx", "urllib.request"} & {*emitted["after"], *built["after"]}


def buffered() -> dict[str, str]:
    """The environment with Python's output buffered, as it is by default."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def test_the_console_script_prints_what_main_prints_and_exits_with_its_code(example: Path):
    """The console script leaves without the interpreter's teardown: its output must be
    flushed whole and its exit code kept."""
    run("lock", cwd=example)
    with open(example / API_SOURCE, "a") as handle:
        handle.write("# edit\n")
    in_process = run("plan", "--check", cwd=example)
    done = subprocess.run(
        [sys.executable, "-m", "graphbuild", "-C", str(example), "plan", "--check"],
        capture_output=True,
        text=True,
        env=buffered(),
    )
    assert (done.returncode, done.stdout, done.stderr) == (1, in_process.out, in_process.err)
    assert done.stdout.endswith("Run `graphbuild lock` to accept.\n")


def test_a_reader_gone_is_exit_code_120_without_a_traceback(example: Path):
    read, write = os.pipe()
    os.close(read)  # `graphbuild plan | head`, head gone before the plan prints
    try:
        done = subprocess.run(
            [sys.executable, "-m", "graphbuild", "-C", str(example), "plan"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            env=buffered(),
        )
    finally:
        os.close(write)
    assert done.returncode == 120
    assert "Traceback" not in done.stderr

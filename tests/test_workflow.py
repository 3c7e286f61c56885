"""docs/github-actions.yml, the workflow the docs hand out: it reads the keys
`plan --format github-matrix` writes, has a job per level the matrix has, pins every action to
a commit, keeps no credentials, and zizmor (the GitHub Actions linter) finds nothing in it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from tests.support import REPO, run

WORKFLOW = REPO / "docs/github-actions.yml"


def test_the_workflow_reads_what_the_matrix_writes(example):
    root = example / "BUILD.toml"
    root.write_text(root.read_text().replace(
        'platforms = ["linux/amd64"]', 'platforms = ["linux/amd64", "linux/arm64"]'
    ))  # fmt: skip
    matrix = json.loads(run("plan", "--format", "github-matrix", cwd=example).out)
    text = WORKFLOW.read_text()
    levels = sorted(k for k in matrix if k.startswith("level") and k != "levels")
    assert re.findall(r"^  (level\d):", text, re.M) == levels
    assert "needs.plan.outputs.matrix).merge" in text
    written = {key for entry in matrix["level0"]["include"] for key in entry}
    written |= {key for entry in matrix["merge"]["include"] for key in entry}
    read = set(re.findall(r"matrix\.(\w+)", text))
    assert read <= written, read - written


def test_every_action_is_pinned_and_keeps_no_credentials():
    text = WORKFLOW.read_text()
    uses = re.findall(r"uses: (\S+)", text)
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses), uses
    assert text.count("persist-credentials: false") == text.count("actions/checkout@")
    assert "${{ secrets." not in "".join(ln for ln in text.splitlines() if "run:" in ln)


@pytest.mark.skipif(shutil.which("zizmor") is None, reason="zizmor is not installed")
def test_zizmor_finds_nothing():
    done = subprocess.run(
        ["zizmor", "--offline", "--persona", "auditor", str(WORKFLOW)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr

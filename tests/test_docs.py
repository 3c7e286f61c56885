"""The documentation: the reference pages are what tools/reference_docs generates from the code
now (a key, rule, check or option added without regenerating them fails here), and the site's
nav names every page."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graphbuild.lint.catalog import CHECKS
from graphbuild.rules.registry import BUILTIN
from tests.support import REPO

GENERATOR = REPO / "tools/reference_docs"


def generate(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the generator."""
    return subprocess.run(
        [sys.executable, str(GENERATOR), *args], capture_output=True, text=True, cwd=REPO
    )


def test_the_committed_reference_is_current():
    done = generate("--check")
    assert done.returncode == 0, done.stderr


def test_a_stale_page_is_named_and_rewritten(tmp_path: Path):
    docs = tmp_path / "docs"
    shutil.copytree(REPO / "docs/reference", docs / "reference")
    page = docs / "reference/lint-checks.md"
    page.write_text(page.read_text().replace("GB101", "GB100"))
    stale = generate("--check", "--docs", str(docs))
    assert (stale.returncode, stale.stderr) == (
        1, "stale: reference/lint-checks.md: run tools/reference_docs\n",
    )  # fmt: skip
    assert generate("--docs", str(docs)).returncode == 0
    assert page.read_text() == (REPO / "docs/reference/lint-checks.md").read_text()


def test_the_reference_names_every_rule_check_and_command():
    rules = (REPO / "docs/reference/rules.md").read_text()
    assert all(f"## `{rule.name}`" in rules for rule in BUILTIN)
    checks = (REPO / "docs/reference/lint-checks.md").read_text()
    assert all(f"| `{check}` |" in checks for check in CHECKS)
    cli = (REPO / "docs/reference/cli.md").read_text()
    assert "`--driver DRIVER`" in cli and "`bake`, `docker-build`" in cli
    keys = (REPO / "docs/reference/build-toml.md").read_text()
    assert '| `python_workspace` | a string | `"."` |' in keys


def test_the_site_nav_names_every_page():
    nav = (REPO / "mkdocs.yml").read_text()
    pages = sorted(str(p.relative_to(REPO / "docs")) for p in (REPO / "docs").rglob("*.md"))
    assert [p for p in pages if f": {p}\n" not in nav] == []


@pytest.mark.skipif(shutil.which("mkdocs") is None, reason="mkdocs is not installed")
def test_the_site_builds_with_warnings_as_errors(tmp_path: Path):
    done = subprocess.run(
        ["mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

"""`graphbuild import` on a corpus of real-world-shaped Dockerfiles (tests/fixtures/import/):
each imports, emits, checks, plans and lints as expected, and the emitted Dockerfile gives every
stage back with the same instructions as BuildKit's parser reads them (flags, JSON forms,
heredocs, continuations), ending with the same default stage; the rest are refused in one line
naming the Dockerfile's line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from graphbuild.importer.stages import safe_name
from tests.dockerfile_compare import build_differences, emitted_stages
from tests.support import FIXTURES, run

CORPUS = FIXTURES / "import"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
REFUSED = {  # case -> what its one-line refusal says
    "arg-no-default": "Dockerfile:3: FROM ${BASE_IMAGE}: $BASE_IMAGE has no default",
    "labs-syntax": "Dockerfile:1: # syntax=docker/dockerfile:1-labs: graphbuild emits the stable",
    "onbuild": "Dockerfile:4: ONBUILD is not supported",
}
IMPORTED = [c for c in CASES if c not in REFUSED]
LINT_ERRORS = {  # lint exits 1 for these, every one for GB201 (no USER: runs as root), and
    # streamlit-single for GB301 too (build-essential in the image that runs); 0 for the others
    "base-image-arg", "bind-mounts", "build-platform", "continuations", "dev-test-stages",
    "dockerignore", "git-revision", "heredocs", "mixed-case", "node-static", "numbered-stages",
    "pdm-app",
    "poetry-multistage", "streamlit-single",
}  # fmt: skip


def workspace(case: str, tmp_path: Path) -> Path:
    """A new workspace with the case's folder as package apps/<case>."""
    root = tmp_path / "ws"
    (root / "apps").mkdir(parents=True)
    (root / "BUILD.toml").write_text('[workspace]\nname = "imported"\n')
    shutil.copytree(CORPUS / case, root / "apps" / case)
    if case == "git-revision":  # a checkout's .git cannot be a fixture file
        (root / "apps" / case / ".git").mkdir()
        (root / "apps" / case / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


@pytest.mark.parametrize("case", IMPORTED)
def test_import_gives_the_same_build_back(
    case: str, tmp_path: Path, toml_snapshot, dockerfile_snapshot, text_snapshot, json_snapshot
):
    root = workspace(case, tmp_path)
    package, target = f"apps/{case}", safe_name(case)
    result = run("import", f"{package}/Dockerfile", cwd=root)
    assert result.code == 0, result.err
    assert (root / package / "BUILD.toml").read_text() == toml_snapshot(name="BUILD.toml")
    assert (root / "BUILD.toml").read_text() == toml_snapshot(name="root-BUILD.toml")
    assert run("emit", cwd=root).code == 0
    emitted = (root / "build/Dockerfile").read_text()
    assert emitted == dockerfile_snapshot(name="Dockerfile")
    ignore = (root / "build/Dockerfile.dockerignore").read_text()
    assert ignore == text_snapshot(name="dockerignore")
    assert (root / "build/docker-bake.json").read_text() == json_snapshot(name="bake")
    assert run("emit", "--check", cwd=root).code == 0
    assert run("plan", cwd=root).code == 0
    lint = run("lint", cwd=root)
    assert lint.code == (1 if case in LINT_ERRORS else 0), lint.out

    original = (CORPUS / case / "Dockerfile").read_text()
    assert build_differences(original, emitted, package, target) == []


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_cannot_be_imported_is_refused_at_its_line(case: str, tmp_path: Path):
    root = workspace(case, tmp_path)
    before = (root / "BUILD.toml").read_text()
    result = run("import", f"apps/{case}/Dockerfile", cwd=root)
    assert result.code == 2
    assert re.fullmatch(r"graphbuild: error: [^\n]+\n", result.err), result.err
    assert f"apps/{case}/{REFUSED[case]}" in result.err
    assert not (root / "apps" / case / "BUILD.toml").exists()
    assert (root / "BUILD.toml").read_text() == before


def test_refusals_say_what_to_write_instead(tmp_path: Path, text_snapshot):
    """Every refusal names the Dockerfile and its line once (never the BUILD.toml it
    generated), says what is unsupported and what to write instead."""
    root = tmp_path / "ws"
    (root / "apps/x").mkdir(parents=True)
    (root / "BUILD.toml").write_text('[workspace]\nname = "w"\nargs = { V = "11" }\n')
    (root / "apps/x/present.txt").write_text("x\n")
    (root / "apps/x/.git/refs/heads").mkdir(parents=True)
    (root / "apps/x/.git/refs/heads/main").write_text("0" * 40 + "\n")
    errors = []
    for text in [
        "ARG V=12\nFROM debian:${V}\n",  # the workspace's V differs
        "FROM debian:12\nFROM --platform=$TARGETOS/$TARGETARCH debian:12\n",
        "FROM debian:12\nRUN <<A <<B\na\nA\nb\nB\n",
        "FROM debian:12\nFROM debian:$UNSET\n",
        "FROM debian:12\nCOPY missing.txt /x\n",  # found only after the BUILD.toml is written
        "FROM debian:12\nCOPY present.txt $HOME/\nCOPY $SRC /x\n",
        "FROM debian:12\nRUN --mount=type=bind,source=../up,target=/x true\n",
        "FROM debian:12\nMAINTAINER me\n",
        "FROM debian:12\nONBUILD RUN make\n",
        "RUN true\nFROM debian:12\n",
        "FROM debian:12\nCOPY --from=$BASE /a /b\n",
        "# escape=`\nFROM debian:12\n",
        "# syntax=example.com/frontend:1\nFROM debian:12\n",
        "FROM debian:12\nCOPY --parents present.txt /x/\n",  # labs only: emit would refuse
        "FROM debian:12\nRUN --security=insecure true\n",
        "FROM debian:12\nCOPY .git/refs/heads /x/\n",  # a folder inside .git is never walked
        "FROM debian:12\nCOPY . /app/\n",  # Docker sent the folder's .git: graphbuild never does
    ]:
        (root / "apps/x/Dockerfile").write_text(text)
        result = run("import", "apps/x/Dockerfile", cwd=root)
        assert result.code == 2, result.err
        assert re.fullmatch(r"graphbuild: error: apps/x/Dockerfile:\d+: [^\n]+\n", result.err)
        assert "BUILD.toml" not in result.err
        assert not (root / "apps/x/BUILD.toml").exists()
        errors.append(result.err)
    assert "".join(errors) == text_snapshot


def test_dry_run_prints_what_it_would_write_and_writes_nothing(tmp_path: Path, text_snapshot):
    root = workspace("fastapi-arg-from", tmp_path)
    before = (root / "BUILD.toml").read_text()
    result = run("import", "--dry-run", "apps/fastapi-arg-from/Dockerfile", cwd=root)
    assert result.code == 0, result.err
    assert result.out == text_snapshot
    assert not (root / "apps/fastapi-arg-from/BUILD.toml").exists()
    assert (root / "BUILD.toml").read_text() == before


def test_dry_run_refuses_what_the_import_refuses(tmp_path: Path):
    """Errors found only once the BUILD.toml is written (a COPY source that matches no file):
    --dry-run exited 0 on them."""
    root = tmp_path / "ws"
    (root / "apps/x").mkdir(parents=True)
    (root / "BUILD.toml").write_text('[workspace]\nname = "w"\n')
    (root / "apps/x/Dockerfile").write_text("FROM debian:12\nCOPY missing.txt /x\n")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    dry = run("import", "--dry-run", "apps/x/Dockerfile", cwd=root)
    real = run("import", "apps/x/Dockerfile", cwd=root)
    assert (dry.code, dry.err, dry.out) == (2, real.err, "")
    assert real.err.startswith("graphbuild: error: apps/x/Dockerfile:2: input 'missing.txt'")
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_an_existing_build_file_is_refused_and_nothing_is_left_behind(tmp_path: Path):
    root = tmp_path / "ws"
    (root / "apps/x").mkdir(parents=True)
    (root / "BUILD.toml").write_text('[workspace]\nname = "w"\n')
    (root / "apps/x/Dockerfile").write_text("FROM debian:12 AS a\nCOPY missing.txt /x\n")
    before = (root / "BUILD.toml").read_text()
    result = run("import", "apps/x/Dockerfile", cwd=root)
    assert result.code == 2
    assert "apps/x/Dockerfile:2: " in result.err and "matches no file" in result.err
    assert not (root / "apps/x/BUILD.toml").exists()
    assert (root / "BUILD.toml").read_text() == before
    (root / "apps/x/BUILD.toml").write_text("")
    again = run("import", "apps/x/Dockerfile", cwd=root)
    assert again.code == 2 and "has targets already" in again.err


def test_the_dockerignore_keeps_files_out_of_the_hash_and_the_context(tmp_path: Path):
    root = workspace("dockerignore", tmp_path)
    assert run("import", "apps/dockerignore/Dockerfile", cwd=root).code == 0
    assert run("emit", cwd=root).code == 0
    assert run("lock", cwd=root).code == 0
    ignored = [
        "node_modules/left-pad/index.js",
        ".venv/bin/python",
        "src/svc/cached.pyc",
        "logs/today.log",
        "README.md",
        "BUILD.toml",  # not in the context the Dockerfile had: the import keeps it out
    ]
    for path in ignored:
        with (root / "apps/dockerignore" / path).open("a") as file:
            file.write("# edited\n")
        plan = run("plan", "--check", cwd=root)
        assert plan.code == 0, (path, plan.out)
    ignore = (root / "build/Dockerfile.dockerignore").read_text()
    assert ignore.endswith(
        "apps/dockerignore/node_modules\napps/dockerignore/.venv\napps/dockerignore/**/*.pyc\n"
        "apps/dockerignore/logs/*\n!apps/dockerignore/logs/keep.txt\napps/dockerignore/*.md\n"
        "apps/dockerignore/BUILD.toml\n# never sent, whatever a line above re-includes\n"
        ".git\n**/.git\n.graphbuild\n**/.graphbuild\n"
    )
    sent = root / "apps/dockerignore/logs/keep.txt"  # re-included by `!logs/keep.txt`
    sent.write_text("edited\n")
    assert run("plan", "--check", cwd=root).code == 1


def test_a_global_arg_is_one_knob_for_every_from_that_names_it(tmp_path: Path):
    root = workspace("fastapi-arg-from", tmp_path)
    assert run("import", "apps/fastapi-arg-from/Dockerfile", cwd=root).code == 0
    assert run("emit", cwd=root).code == 0
    text = (root / "BUILD.toml").read_text().replace('"3.12"', '"3.13"')
    (root / "BUILD.toml").write_text(text)
    plan = run("plan", "--format", "json", cwd=root)
    assert plan.out.count('"kind": "base_changed"') == 2, plan.out
    assert run("emit", cwd=root).code == 0
    emitted = (root / "build/Dockerfile").read_text()
    assert emitted.count("FROM python:3.13-slim-bookworm AS") == 2
    assert 'ARG PYTHON_VERSION="3.13"' in emitted.split("\nFROM ")[0]  # before the first FROM


def test_two_imports_share_a_base_and_the_first_stays_the_default(tmp_path: Path):
    root = workspace("pip-tools", tmp_path)
    shutil.copytree(CORPUS / "streamlit-single", root / "apps/streamlit-single")
    assert run("import", "apps/pip-tools/Dockerfile", cwd=root).code == 0
    second = run("import", "apps/streamlit-single/Dockerfile", cwd=root)
    assert second.code == 0, second.err
    assert "default" not in second.out
    assert (root / "BUILD.toml").read_text().count("[external.python]") == 1
    assert run("emit", cwd=root).code == 0
    emitted = (root / "build/Dockerfile").read_text()
    assert emitted_stages(emitted)[-1][0] == "apps-pip-tools-stage-1"

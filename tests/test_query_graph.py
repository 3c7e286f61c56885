"""`query`, `graph` and `plan --format github-matrix` on the example workspace."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import REPO, run
from tests.support.example_variants import with_image_on_report


@pytest.mark.parametrize(
    ("kind", "labels"),
    [
        ("deps", ["//images/api:api"]),
        ("rdeps", ["//images/base:os@bookworm"]),
        ("rdeps", ["//images/api:api#builder"]),
        ("path", ["//images/api:api-dev", "//images/base:os@bookworm"]),
        ("path", ["//images/worker:worker@3.13", "//images/base:os@bookworm"]),
    ],
    ids=["deps", "rdeps-base", "rdeps-stage", "path", "no-path"],
)
def test_query(kind: str, labels: list[str], text_snapshot, json_snapshot):
    text = run("query", kind, *labels, cwd=REPO)
    data = run("query", kind, *labels, "--format", "json", cwd=REPO)
    assert text.code == data.code == 0
    assert text.out == text_snapshot(name="text")
    assert data.out == json_snapshot(name="json")


def test_rdeps_of_the_base_is_what_an_edit_to_it_rebuilds(example: Path):
    rdeps = set(
        json.loads(
            run("query", "rdeps", "//images/base:os@trixie", "--format", "json", cwd=example).out
        )["results"]
    )
    run("lock", cwd=example)
    build = example / "images/base/BUILD.toml"
    build.write_text(build.read_text().replace('"ca-certificates", "tzdata"', '"ca-certificates"'))
    plan = json.loads(run("plan", "--format", "json", cwd=example).out)
    moved = {t["label"] for t in plan["targets"] if t["status"] == "rebuild"}
    assert {label for label in moved if "trixie" in label or "3.13" in label} - {
        "//images/base:os@trixie"
    } == rdeps


def test_query_errors_are_one_line():
    result = run("query", "deps", "//images/api:apii", cwd=REPO)
    assert result.code == 2
    hint = "(did you mean '//images/api:api'?)"
    assert result.err == f"graphbuild: error: query: unknown label //images/api:apii {hint}\n"
    assert run("query", "path", "//images/api:api", cwd=REPO).code == 2


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "json"])
def test_graph(fmt: str, text_snapshot):
    result = run("graph", "--format", fmt, cwd=REPO)
    assert result.code == 0
    assert result.out == text_snapshot


def test_graph_with_plan_marks_the_rebuild_chain(example: Path, text_snapshot):
    run("lock", cwd=example)
    with open(example / "images/libs/db/src/db/__init__.py", "a") as handle:
        handle.write("# an edit of the internal library\n")
    result = run("graph", "--format", "mermaid", "--plan", cwd=example)
    assert "classDef rebuild" in result.out and "linkStyle" in result.out
    assert result.out == text_snapshot
    data = json.loads(run("graph", "--format", "json", "--plan", cwd=example).out)
    chain = {(e["from"], e["to"]) for e in data["edges"] if e["rebuild_chain"]}
    assert chain == {
        ("//images/libs/db:db", "//images/api:api#lib-db"),  # the library built apart
        ("//images/api:api#lib-db", "//images/api:api#builder"),  # copied into the venv
        ("//images/api:api#builder", "//images/api:api#dependencies"),  # the venv
        ("//images/api:api#dependencies", "//images/api:api"),
        ("//images/api:api#builder", "//images/api:api-dev"),  # the venv, after its tools
    }  # not #member: it is built on #toolchain, which the library is not in


@pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz (Debian package graphviz) is not installed"
)
def test_graphviz_renders_the_dot(example: Path):
    dot = run("graph", "--format", "dot", "--plan", cwd=example).out
    result = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.lstrip().startswith("<?xml") and "</svg>" in result.stdout


def test_github_matrix_groups_rebuilds_by_level(example: Path, json_snapshot):
    with_image_on_report(example)
    run("lock", cwd=example)
    build = example / "images/base/BUILD.toml"
    build.write_text(build.read_text().replace("2026-11-23", "2026-11-30"))
    result = run("plan", "--format", "github-matrix", cwd=example)
    matrix = json.loads(result.out)
    assert matrix["levels"] == 2
    assert [m["target"] for m in matrix["level0"]["include"]] == [
        "api",
        "api-dev",
        "report",
        "worker-3-11",
        "worker-3-13",
    ]
    assert [m["target"] for m in matrix["level1"]["include"]] == ["nightly"]  # on report
    assert matrix["level2"] == {"include": []}
    assert result.out == json_snapshot


def test_github_matrix_has_a_job_per_platform_and_a_merge(example: Path, json_snapshot):
    """Two platforms: each image a job per platform on its native runner, pushing its own tag,
    and a merge entry joining the tags into the image's hash tag."""
    root = example / "BUILD.toml"
    root.write_text(root.read_text().replace(
        'platforms = ["linux/amd64"]', 'platforms = ["linux/amd64", "linux/arm64"]'
    ))  # fmt: skip
    out = run("plan", "--format", "github-matrix", cwd=example).out
    matrix = json.loads(out)
    api = [m for m in matrix["level0"]["include"] if m["target"] == "api"]
    assert [(m["platform"], m["runner"]) for m in api] == [
        ("linux/amd64", "ubuntu-24.04"), ("linux/arm64", "ubuntu-24.04-arm"),
    ]  # fmt: skip
    tag = f"registry.example.com/acme/api:{api[0]['hash'][7:19]}"
    assert [m["tag"] for m in api] == [f"{tag}-amd64", f"{tag}-arm64"]
    merge = {m["target"]: m for m in matrix["merge"]["include"]}
    assert merge["api"]["tag"] == tag
    assert merge["api"]["sources"] == f"{tag}-amd64 {tag}-arm64"
    assert sorted(merge) == ["api", "api-dev", "report", "worker-3-11", "worker-3-13"]
    assert out == json_snapshot

"""Content hashes: reproducible anywhere, complete, and moving exactly where they should."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx

from graphbuild.analysis.run import analyze
from graphbuild.core.labels import Label
from graphbuild.core.model import (
    Expansion,
    ExternalImage,
    ImageRef,
    Package,
    Ref,
    Settings,
    Stage,
    StageRef,
    Target,
    Workspace,
)
from graphbuild.core.steps import parse_step
from graphbuild.graph.link import link
from graphbuild.hashing.file_digests import FileDigest
from graphbuild.hashing.stages import canonical_json, hash_graph
from tests.support import REPO, copy_example


def run_cli(cwd: Path, *args: str, **env: str) -> bytes:
    result = subprocess.run(
        [sys.executable, "-m", "graphbuild", *args],
        cwd=cwd,
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )
    return result.stdout


def test_same_tree_same_bytes_at_any_path_seed_locale_and_zone(tmp_path: Path):
    first = copy_example(tmp_path / "a")
    second = copy_example(tmp_path / "deeper" / "checkout" / "b")
    (first / "graphbuild.lock").unlink()
    (second / "graphbuild.lock").unlink()
    run_cli(first, "lock", PYTHONHASHSEED="1", TZ="UTC", LC_ALL="C")
    run_cli(second, "lock", PYTHONHASHSEED="4242", TZ="Asia/Tokyo", LC_ALL="C.UTF-8")
    assert (first / "graphbuild.lock").read_bytes() == (second / "graphbuild.lock").read_bytes()
    one = run_cli(first, "plan", "--format", "json", PYTHONHASHSEED="7")
    two = run_cli(second, "plan", "--format", "json", PYTHONHASHSEED="99")
    assert one == two
    assert (first / "graphbuild.lock").read_bytes() == (REPO / "graphbuild.lock").read_bytes()


def test_hashes_do_not_depend_on_the_cache(example: Path, settled: None):
    cold = analyze(example, use_cache=False).hashes
    analyze(example)  # fills the cache
    warm = analyze(example).hashes
    shutil.rmtree(example / ".graphbuild")
    assert cold == warm == analyze(example).hashes


def test_a_changed_byte_moves_exactly_its_stage_and_dependents(example: Path):
    before = analyze(example)
    path = "images/report/requirements.txt"
    data = bytearray((example / path).read_bytes())
    data[0] ^= 1
    (example / path).write_bytes(bytes(data))
    after = analyze(example)
    readers = {label for label, files in before.inputs.items() if path in files}
    expected = set(readers)
    for label in readers:
        expected |= nx.descendants(before.graph.dag, label)
    moved = {
        label
        for label, record in after.hashes.stages.items()
        if record.hash != before.hashes.stages[label].hash
    }
    assert moved == expected
    assert {str(x) for x in readers} == {"//images/report:report#builder"}


def test_canonical_json_is_sorted_and_compact():
    assert (
        canonical_json({"b": 1, "a": ["é", {"d": 2, "c": 3}]})
        == '{"a":["é",{"c":3,"d":2}],"b":1}'.encode()
    )


def stage(name: str, parent: Ref, steps: list[str], inputs: tuple[str, ...] = ()) -> Stage:
    label = Label("app", name)
    parsed = tuple(
        parse_step(s, "app", file="f", label=name, key=f"steps[{i}]") for i, s in enumerate(steps)
    )
    return Stage(
        label=label, file="app/BUILD.toml", key="", parent=parent, steps=parsed, inputs=inputs
    )


def pure_graph(copy_source: str):
    """A workspace built from model objects: no file system involved."""
    base = stage("base", ImageRef("debian"), ["RUN apt-get update"])
    app = stage("app", StageRef(Label("app", "base")), [f"COPY {copy_source} /app/"], ("src/**",))
    targets = [
        Target(Label("app", s.label.name), "stages", "app/BUILD.toml", 1, {}) for s in (base, app)
    ]
    workspace = Workspace(
        settings=Settings(name="t"),
        externals={"debian": ExternalImage("debian", "debian:12@sha256:" + "0" * 64)},
        packages=(Package("app", "app/BUILD.toml", tuple(targets)),),
    )
    expansions = [Expansion(t, (s,), s.label) for t, s in zip(targets, (base, app), strict=True)]
    return link(workspace, expansions)


def test_hash_graph_is_a_pure_function_of_definitions_and_digests():
    graph = pure_graph("src/")
    inputs = {Label("app", "app"): ("app/src/a.py",)}
    digests = {"app/src/a.py": FileDigest("ab" * 32, False)}
    first = hash_graph(graph, inputs, digests)
    assert first == hash_graph(graph, inputs, digests)
    base, app = first.stages[Label("app", "base")], first.stages[Label("app", "app")]
    assert app.parent_hash == base.hash
    assert app.steps == ("COPY app/src/ /app/",)  # context paths are workspace-relative
    changed = hash_graph(graph, inputs, {"app/src/a.py": FileDigest("ab" * 32, True)})
    assert changed.stages[Label("app", "base")] == base
    assert changed.stages[Label("app", "app")].hash != app.hash

"""The Python rules, proved on the emitted Dockerfile of the example workspace with the BuildKit
parser alone (not with graphbuild's own lint), plus rule-level behaviour."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import dockerfile
import pytest

from graphbuild.analysis.load import build_graph, load_workspace
from tests.support import FIXTURES, REPO, run

COMPILERS = re.compile(r"\b(build-essential|gcc|g\+\+|clang|cc|[a-z0-9.+-]+-dev)\b")


def stages_of(text: str) -> dict[str, tuple[str, list]]:
    """stage name -> (parent, commands) from the BuildKit parser's view of the Dockerfile."""
    stages: dict[str, tuple[str, list]] = {}
    current = None
    for command in dockerfile.parse_string(text):
        if command.cmd.upper() == "FROM":
            parent, _, name = command.value
            current = name
            stages[name] = (parent, [])
        else:
            stages[current][1].append(command)
    return stages


def chain(stages: dict[str, tuple[str, list]], name: str) -> list[str]:
    """The stage and every stage it is built FROM, root first."""
    names = []
    while name in stages:
        names.append(name)
        name = stages[name][0]
    return names[::-1]


def chain_commands(stages: dict[str, tuple[str, list]], name: str) -> list:
    """The commands of the stage and every stage it is built FROM, in build order."""
    return [command for stage in chain(stages, name) for command in stages[stage][1]]


@pytest.fixture(scope="module")
def emitted() -> tuple[dict, dict]:
    bake = json.loads((REPO / "build/docker-bake.json").read_text())
    return stages_of((REPO / "build/Dockerfile").read_text()), bake


def app_targets(bake: dict) -> list[str]:
    return [t["target"] for name, t in sorted(bake["target"].items()) if not name.endswith("-dev")]


def test_no_compiler_in_any_runtime_chain(emitted):
    stages, bake = emitted
    for target in app_targets(bake):
        for name in chain(stages, target):
            for command in stages[name][1]:
                if command.cmd.upper() == "RUN" and "install" in command.original:
                    installed = command.original.split("install", 1)[1]
                    assert not COMPILERS.search(installed), (target, name, command.original)


def test_last_user_is_numeric_and_not_root(emitted):
    stages, bake = emitted
    for target in bake["target"].values():
        users = [
            c.value[0]
            for name in chain(stages, target["target"])
            for c in stages[name][1]
            if c.cmd.upper() == "USER"
        ]
        assert users, target
        assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", users[-1]), users[-1]


def test_requirements_installed_before_source_and_source_copied_last(emitted):
    stages, bake = emitted
    for target in app_targets(bake):
        commands = chain_commands(stages, target)
        changes = [c for c in commands if c.cmd.upper() in ("RUN", "COPY", "ADD", "WORKDIR")]
        assert changes[-1].cmd.upper() == "COPY"
        if changes[-1].value == ("/opt/member/", "/opt/venv/"):  # a uv member, installed
            member = stages[changes[-1].flags[0].split("=", 1)[1]][1]
            assert member[-1].cmd.upper() == "RUN" and "--no-deps" in member[-1].original
            assert all(c.cmd.upper() == "COPY" and not c.flags for c in member[1:-1])
        else:  # the app's source from the context
            assert "/src/" in changes[-1].original
            assert not any(f.startswith("--from") for f in changes[-1].flags)
        venv = next(c for c in commands if c.cmd.upper() == "COPY" and "/opt/venv" in c.original)
        assert commands.index(venv) < commands.index(changes[-1])
        builder = next(f.split("=", 1)[1] for f in venv.flags if f.startswith("--from="))
        built = chain_commands(stages, builder)  # a uv builder's first part: #toolchain
        copy_requirements = next(i for i, c in enumerate(built) if "requirements.txt" in c.original)
        install = next(
            i for i, c in enumerate(built) if re.search(r"pip (--python \S+ )?install", c.original)
        )
        assert copy_requirements < install
        # the builder copies requirements (or the image's lock slice), and from stages only
        # (uv, internal libraries): never the app's source
        assert all(
            c.cmd.upper() != "COPY" or "requirements" in c.original or c.flags for c in built
        )


MOVING = re.compile(r"requirements\.txt|--from=images-libs")  # the lock slice, a library


def test_a_members_build_is_on_no_lock_slice_and_no_library(emitted):
    """#member is built on the toolchain alone: a lock move or a library edit leaves it cached."""
    stages, _ = emitted
    members = [name for name in stages if name.endswith("-member")]
    assert members
    for name in members:
        below = chain_commands(stages, stages[name][0])
        moving = [c for c in below if MOVING.search(c.original)]
        assert not moving, name
        assert any("uv venv" in c.original for c in below), name


def test_a_librarys_build_is_on_no_lock_slice_and_copied_after_it(emitted):
    """Each internal library is built on the toolchain alone, in #lib-NAME, so a lock move
    leaves it cached; #builder copies it into the venv after the slice's install."""
    stages, _ = emitted
    libraries = [name for name in stages if "-lib-" in name]
    assert {n.rsplit("-lib-", 1)[1] for n in libraries} == {"db", "money"}
    for name in libraries:
        below = chain_commands(stages, stages[name][0])
        assert not any("requirements.txt" in c.original for c in below), name
        assert any("uv venv" in c.original for c in below), name
        builder = name.rsplit("-lib-", 1)[0] + "-builder"
        steps = [c.original for c in stages[builder][1]]
        slice_at = next(i for i, c in enumerate(steps) if "requirements.txt" in c)
        copied_at = next(i for i, c in enumerate(steps) if f"--from={name} " in c)
        assert copied_at > slice_at, builder


APT_TARGETS = ("/var/cache/apt", "/var/lib/apt/lists")


def apt_cache_ids(command) -> list[str | None]:
    """The id of each of a RUN's cache mounts of apt's folders (None: unnamed)."""
    ids = []
    for flag in command.flags:
        options = dict(
            o.split("=", 1) for o in flag.removeprefix("--mount=").split(",") if "=" in o
        )
        if flag.startswith("--mount=") and options.get("target") in APT_TARGETS:
            ids.append(options.get("id"))
    return ids


def test_apt_caches_are_named_after_the_distro_each_stage_stands_on(emitted):
    """Every apt step mounts the caches of the distro base at the root of its FROM chain, so
    the two distros' apt steps neither wait for one lock nor replace each other's lists."""
    stages, _ = emitted
    by_root: dict[str, set] = {}
    for name, (_, commands) in stages.items():
        root = chain(stages, name)[0]
        for command in commands:
            if command.cmd.upper() == "RUN" and "apt-get update" in command.original:
                ids = apt_cache_ids(command)
                assert len(ids) == 2 and None not in ids, (name, command.original[:120])
                by_root.setdefault(root, set()).update(ids)
    assert sorted(by_root) == ["images-base-os-bookworm", "images-base-os-trixie"]
    assert [len(ids) for ids in by_root.values()] == [2, 2]  # one pair per distro
    assert not set.intersection(*by_root.values())


def test_apt_caches_stay_unnamed_on_an_image_of_unknown_distro(tmp_path: Path):
    """An interpreter from an image says nothing of its distro: its dev stage's apt step
    keeps the unnamed caches (a name would be a guess)."""
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspaces/python_image", workspace)
    run("emit", cwd=workspace)
    stages = stages_of((workspace / "build/Dockerfile").read_text())
    apt = [
        (name, apt_cache_ids(c))
        for name, (_, commands) in stages.items()
        for c in commands
        if c.cmd.upper() == "RUN" and "apt-get update" in c.original
    ]
    assert apt and all(ids == [None, None] for _, ids in apt), apt


def test_venv_is_copied_whole_and_root_owned(emitted):
    stages, bake = emitted
    for target in app_targets(bake):
        commands = chain_commands(stages, target)
        copies = [c for c in commands if c.cmd.upper() == "COPY" and "venv" in c.original]
        assert copies[0].value == ("/opt/venv", "/opt/venv")
        assert [c.value for c in copies[1:]] in ([], [("/opt/member/", "/opt/venv/")])
        assert not any(f.startswith("--chown") for f in copies[0].flags)


def test_interpreter_versions_come_from_a_matrix():
    graph = build_graph(load_workspace(REPO))
    versions = {
        t.label.variant: t.config["version"]
        for t in graph.targets.values()
        if t.rule == "python_interpreter"
    }
    assert versions == {"3.11": "3.11", "3.13": "3.13"}


def test_a_source_edit_moves_only_the_app_stage(example: Path):
    run("lock", cwd=example)
    with open(example / "images/worker/src/worker/__main__.py", "a") as handle:
        handle.write("# edit\n")
    plan = json.loads(run("plan", "--format", "json", cwd=example).out)
    moved = sorted(t["label"] for t in plan["targets"] if t["status"] == "rebuild")
    assert moved == [
        "//images/worker:worker@3.11",
        "//images/worker:worker@3.11#member",
        "//images/worker:worker@3.13",
        "//images/worker:worker@3.13#member",
    ]


def test_a_requirements_edit_rebuilds_the_builder_not_the_bases(example: Path):
    run("lock", cwd=example)
    with open(example / "images/report/requirements.txt", "a") as handle:
        handle.write("idna==3.7\n")
    plan = json.loads(run("plan", "--format", "json", cwd=example).out)
    moved = {t["label"] for t in plan["targets"] if t["status"] == "rebuild"}
    assert "//images/report:report#builder" in moved
    assert not any(label.startswith("//images/base:") for label in moved)
    assert "//images/report:report#runtime-base" not in moved

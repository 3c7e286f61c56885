"""`graphbuild plan`: statuses and reasons on the example workspace (the issue's scenarios)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.support import git, run

API_SOURCE = "images/api/src/api/__init__.py"


def plan_json(workspace: Path, *extra: str) -> dict:
    result = run("plan", "--format", "json", *extra, cwd=workspace)
    assert result.code == 0, result.err
    return json.loads(result.out)


def api_member_reasons(plan: dict) -> list[dict]:
    """The reasons of api's #member stage (the member installed as a package: its source edits
    land there), after checking the image itself rebuilds for it alone."""
    api = next(t for t in plan["targets"] if t["label"] == "//images/api:api")
    assert api["reasons"] == [{"kind": "upstream", "label": "//images/api:api#member"}]
    return next(t for t in plan["targets"] if t["label"] == "//images/api:api#member")["reasons"]


def statuses(plan: dict, kind: str = "image") -> dict[str, str]:
    return {t["label"]: t["status"] for t in plan["targets"] if t["kind"] == kind}


def test_lock_then_check_passes(example: Path):
    assert run("lock", cwd=example).code == 0
    result = run("plan", "--check", cwd=example)
    assert result.code == 0, result.out
    assert "Nothing to rebuild." in result.out


def test_bundled_lock_is_current(example: Path):
    assert run("plan", "--check", cwd=example).code == 0


def test_source_edit_rebuilds_that_app_only(example: Path, json_snapshot):
    run("lock", cwd=example)
    with open(example / API_SOURCE, "a") as handle:
        handle.write("# a new line\n")
    plan = plan_json(example)
    assert statuses(plan) == {
        "//images/api:api": "rebuild",
        "//images/api:api-dev": "rebuild",
        "//images/report:report": "unchanged",
        "//images/worker:worker@3.11": "unchanged",
        "//images/worker:worker@3.13": "unchanged",
    }
    assert api_member_reasons(plan) == [{"kind": "input_changed", "path": API_SOURCE}]
    dev = next(t for t in plan["targets"] if t["label"] == "//images/api:api-dev")
    # the dev image takes the app's member install as the app does: not the app image
    assert dev["reasons"] == [{"kind": "upstream", "label": "//images/api:api#member"}]
    assert dev["chain"] == ["//images/api:api-dev", "//images/api:api#member"]
    changed = [t["label"] for t in plan["targets"] if t["status"] != "unchanged"]
    assert changed == ["//images/api:api", "//images/api:api#member", "//images/api:api-dev"]
    assert json.dumps(plan, indent=2) + "\n" == json_snapshot
    assert run("plan", "--check", cwd=example).code == 1


def test_source_edit_text_output(example: Path, text_snapshot):
    run("lock", cwd=example)
    with open(example / API_SOURCE, "a") as handle:
        handle.write("# a new line\n")
    result = run("plan", cwd=example)
    assert result.code == 0
    assert result.out == text_snapshot


def test_touching_mtimes_changes_nothing(example: Path):
    run("lock", cwd=example)
    for path in example.rglob("*"):
        if path.is_file():
            os.utime(path, (2_000_000_000, 2_000_000_000))
    assert run("plan", "--check", cwd=example).code == 0
    shutil.rmtree(example / ".graphbuild")
    assert run("plan", "--check", cwd=example).code == 0


def test_base_change_rebuilds_every_dependent_image_as_upstream(example: Path, json_snapshot):
    run("lock", cwd=example)
    build = example / "images/base/BUILD.toml"
    build.write_text(build.read_text().replace("2026-11-23", "2026-11-30"))
    plan = plan_json(example)
    assert set(statuses(plan).values()) == {"rebuild"}
    for target in plan["targets"]:
        if target["kind"] == "image":
            assert {r["kind"] for r in target["reasons"]} == {"upstream"}
            assert target["chain"][-1].startswith("//images/base:os@")
    os_stage = next(t for t in plan["targets"] if t["label"] == "//images/base:os@bookworm")
    assert os_stage["reasons"] == [{"kind": "definition_changed", "key": "refresh"}]
    assert json.dumps(plan, indent=2) + "\n" == json_snapshot


def test_step_edit_is_a_definition_change(example: Path):
    run("lock", cwd=example)
    build = example / "images/worker/BUILD.toml"
    build.write_text(build.read_text().replace('"-m", "worker"', '"-m", "worker.main"'))
    plan = plan_json(example)
    assert statuses(plan)["//images/worker:worker@3.13"] == "rebuild"
    label = "//images/worker:worker@3.13"
    worker = next(t for t in plan["targets"] if t["label"] == label)
    assert worker["reasons"] == [{"kind": "upstream", "label": f"{label}#dependencies"}]
    stage = next(t for t in plan["targets"] if t["label"] == f"{label}#dependencies")
    assert stage["reasons"] == [{"kind": "definition_changed", "key": "cmd"}]
    assert statuses(plan)["//images/api:api"] == "unchanged"


def test_external_pin_change_is_a_base_change(example: Path):
    run("lock", cwd=example)
    root = example / "BUILD.toml"
    root.write_text(root.read_text().replace("a29215f6", "b29215f6"))
    plan = plan_json(example)
    trixie = next(t for t in plan["targets"] if t["label"] == "//images/base:os@trixie")
    assert trixie["reasons"][0]["kind"] == "base_changed"
    assert trixie["reasons"][0]["new"].startswith("debian:trixie-slim@sha256:b29215f6")
    assert statuses(plan)["//images/worker:worker@3.11"] == "unchanged"


def test_executable_bit_is_an_input_change(example: Path):
    run("lock", cwd=example)
    os.chmod(example / API_SOURCE, 0o755)
    plan = plan_json(example)
    assert api_member_reasons(plan) == [
        {"kind": "input_mode_changed", "path": API_SOURCE, "old": "-x", "new": "+x"}
    ]


def test_added_and_removed_files_and_targets(example: Path):
    run("lock", cwd=example)
    (example / "images/api/src/api/extra.py").write_text("X = 1\n")
    shutil.rmtree(example / "images/report")
    plan = plan_json(example)
    assert api_member_reasons(plan) == [
        {"kind": "input_added", "path": "images/api/src/api/extra.py"}
    ]
    assert statuses(plan)["//images/report:report"] == "removed"
    assert statuses(plan, "stage")["//images/report:report#builder"] == "removed"


def test_without_a_lock_everything_is_new(example: Path):
    (example / "graphbuild.lock").unlink()
    plan = plan_json(example)
    assert set(statuses(plan).values()) == {"new"}
    assert run("plan", "--check", cwd=example).code == 1


def committed_fresh(example: Path) -> None:
    """The example committed, as a fresh clone has it: nothing stored."""
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    shutil.rmtree(example / ".graphbuild", ignore_errors=True)


def commits_analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The refs of each commit a plan analyses from here on."""
    from graphbuild.plan import baseline

    refs: list[str] = []
    real = baseline.analyze_commit
    monkeypatch.setattr(
        baseline,
        "analyze_commit",
        lambda root, ref, prefix: refs.append(ref) or real(root, ref, prefix),
    )
    return refs


@pytest.mark.parametrize("staged", [False, True])
def test_a_fresh_clone_names_work_tree_edits_from_the_index(
    example: Path, monkeypatch, staged: bool
):
    """A pull request's CI job: a fresh clone (nothing stored), the lock committed, a file
    edited. The lock's records of the stages that moved are the current ones with the edit taken
    as git's index holds it, checked against the lock's hashes: the commit is not analysed (4 s
    of 500 images). A staged edit is in the index too: those records then miss the lock's
    hashes, and the commit is analysed, as before."""
    committed_fresh(example)
    with open(example / API_SOURCE, "a") as handle:
        handle.write("# edit\n")
    if staged:
        git(example, "add", API_SOURCE)
    analysed = commits_analysed(monkeypatch)
    plan = plan_json(example)
    assert api_member_reasons(plan) == [{"kind": "input_changed", "path": API_SOURCE}]
    assert analysed == (["HEAD"] if staged else [])


EDIT_SHAPES = {
    "one file": ["images/api/src/api/__init__.py"],
    "files of three images": [
        "images/api/src/api/__main__.py",
        "images/worker/src/worker/__init__.py",
        "images/report/src/report/__main__.py",
    ],
    "a library and its users": ["images/libs/money/src/money/__init__.py"],
    "exec bit": ["+x images/worker/src/worker/__main__.py"],
    "a new file beside": ["new images/api/src/api/extra.py"],
    "a deleted file": ["rm images/api/src/api/__main__.py"],
}


@pytest.mark.parametrize("shape", EDIT_SHAPES)
def test_records_from_the_index_give_the_plan_the_commit_gives(
    example: Path, monkeypatch, shape: str
):
    """Differential: whatever the edits, a fresh clone's plan is the same whether the lock's
    records come from git's index or from analysing the commit (which only edits of tracked
    files' bytes or modes spare)."""
    from graphbuild.plan import baseline

    committed_fresh(example)
    for edit in EDIT_SHAPES[shape]:
        how, _, path = edit.rpartition(" ")
        if how == "+x":
            os.chmod(example / path, 0o755)
        elif how == "rm":
            (example / path).unlink()
        else:
            with open(example / path, "a") as handle:
                handle.write("# edit\n")
    with monkeypatch.context() as patcher:
        analysed = commits_analysed(patcher)
        derived = plan_json(example)
    assert analysed == ([] if shape not in ("a new file beside", "a deleted file") else ["HEAD"])
    shutil.rmtree(example / ".graphbuild")
    monkeypatch.setattr(baseline, "records_from_index", lambda analysis, lock, wanted: {})
    assert plan_json(example) == derived
    assert any(t["status"] == "rebuild" for t in derived["targets"])


def test_a_committed_edit_is_named_from_both_commits_trees(example: Path, monkeypatch):
    from graphbuild.tree import git_objects

    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    assert run("lock", cwd=example).code == 0  # records of git's trees, without their files
    with open(example / API_SOURCE, "a") as handle:
        handle.write("# edit\n")
    git(example, "commit", "-qam", "edit")
    read: list[str] = []
    real_read_trees = git_objects.read_trees
    monkeypatch.setattr(
        git_objects, "read_trees", lambda *a: read.extend(a[1]) or real_read_trees(*a)
    )
    plan = plan_json(example)  # both sides' folders by tree id: their files are read from git
    assert api_member_reasons(plan) == [{"kind": "input_changed", "path": API_SOURCE}]
    assert read  # (the folder and any below it, old and new: a level a batch)
    read.clear()
    text = run("plan", cwd=example).out  # another format: planned afresh, not reused
    assert f"input changed: {API_SOURCE}" in text
    assert read == []  # the records kept the files git listed


def test_a_work_tree_edit_is_named_from_gits_index(example: Path, monkeypatch):
    """The lock's record of the edited folder holds git's tree id alone; the index lists that
    very tree below the folder, so its files are read from the listing, not git's objects."""
    from graphbuild.tree import git_objects

    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    assert run("lock", cwd=example).code == 0
    with open(example / API_SOURCE, "a") as handle:
        handle.write("# edit\n")
    read: list[str] = []
    real_read_trees = git_objects.read_trees
    monkeypatch.setattr(
        git_objects, "read_trees", lambda *a: read.extend(a[1]) or real_read_trees(*a)
    )
    assert api_member_reasons(plan_json(example)) == [{"kind": "input_changed", "path": API_SOURCE}]
    assert read == []


@pytest.mark.parametrize(
    ("attributes", "rewritten", "objects"),
    [
        ("", [], True),
        ("*.bat text eol=crlf\n", [], True),
        ("*.txt ident\n", ["images/report/requirements.txt"], True),
        ("symlinks", [], False),
    ],
    ids=["from git objects", "attributes rewriting no file", "rewritten files", "extracted"],
)
def test_since_ref_compares_with_the_lock_at_that_commit(
    example: Path, monkeypatch, attributes: str, rewritten: list[str], objects: bool
):
    from graphbuild.analysis import commit
    from graphbuild.plan import baseline

    extracted: list[str] = []
    real_extracted = baseline.analyze_extracted
    monkeypatch.setattr(
        baseline, "analyze_extracted", lambda *a: extracted.append(a[1]) or real_extracted(*a)
    )
    extracted_files: list[str] = []
    real_extract = commit.extract
    monkeypatch.setattr(
        commit, "extract", lambda *a: extracted_files.extend(a[3]) or real_extract(*a)
    )
    git(example, "init", "-q")
    if attributes == "symlinks":  # a checkout writes no symlink: git's objects are not it
        git(example, "config", "core.symlinks", "false")
    elif attributes:  # the files a checkout rewrites are extracted as it writes them
        (example / ".gitattributes").write_text(attributes)
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    with open(example / "images/report/requirements.txt", "a") as handle:
        handle.write("idna==3.7\n")
    run("lock", cwd=example)
    if attributes.startswith("*"):  # HEAD~1's attributes are not the work tree's: asked of it
        git(example, "rm", "-q", ".gitattributes")
    git(example, "commit", "-qam", "bump")
    shutil.rmtree(example / ".graphbuild")
    assert run("plan", "--check", cwd=example).code == 0
    plan = plan_json(example, "--since", "HEAD~1")
    assert statuses(plan)["//images/api:api"] == "unchanged"
    builder = next(t for t in plan["targets"] if t["label"] == "//images/report:report#builder")
    assert builder["reasons"] == [
        {"kind": "input_changed", "path": "images/report/requirements.txt"}
    ]
    assert extracted == ([] if objects else ["HEAD~1"])  # HEAD~1 extracted whole, or not
    assert extracted_files == rewritten  # only the files HEAD~1's attributes rewrite


def test_a_commit_that_cannot_be_analysed_leaves_its_changes_unrecorded(example: Path, monkeypatch):
    from graphbuild.plan import baseline

    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    with open(example / "images/report/requirements.txt", "a") as handle:
        handle.write("idna==3.7\n")
    run("lock", cwd=example)
    git(example, "commit", "-qam", "bump")
    shutil.rmtree(example / ".graphbuild")

    def no_room(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(baseline, "analyze_commit", no_room)
    plan = plan_json(example, "--since", "HEAD~1")  # no traceback: only the reasons are lost
    builder = next(t for t in plan["targets"] if t["label"] == "//images/report:report#builder")
    assert builder["status"] == "rebuild"
    assert builder["reasons"] == [{"kind": "unrecorded"}]


def test_since_unknown_ref_is_bad_input(example: Path):
    git(example, "init", "-q")
    result = run("plan", "--since", "nope", cwd=example)
    assert result.code == 2
    assert result.err == "graphbuild: error: --since nope: unknown git revision\n"


def test_corrupt_lock_is_bad_input(example: Path):
    (example / "graphbuild.lock").write_text("version = 1\n[stages]\n'//a:b' = 'md5:x'\n")
    result = run("plan", cwd=example)
    assert result.code == 2
    assert (
        result.err == "graphbuild: error: graphbuild.lock: stages.//a:b: expected sha256:<64 hex>\n"
    )

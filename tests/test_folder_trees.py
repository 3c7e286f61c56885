"""Whole-folder inputs by git tree id: git's id where git vouches for the folder, the same id
computed anywhere else, so every stage's hash is one whichever path made it (a fresh clone, a
warm memo, a few edits, no git) on random folders holding dirty, untracked, excluded, deleted
and symlinked files."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphbuild.analysis.commit import analyze_commit
from graphbuild.analysis.memo import GIT_SHAPE
from graphbuild.analysis.run import Source, analyze
from graphbuild.hashing.packed import TreeDigest
from graphbuild.plan.baseline import analyze_extracted
from graphbuild.state.store import Store
from graphbuild.tree import git_objects
from graphbuild.tree.git_objects import indexed_below
from tests.support import git

PIN = "debian:bookworm-slim@sha256:" + "d" * 64
ROOT_FILE = f"""[workspace]
name = "trees"
exclude = ["**/*.log"]

[external.base]
image = "{PIN}"
"""
PACKAGE_FILE = """[[target]]
name = "app"
rule = "stages"
image = true
from = "@base"
inputs = ["src/", "extra.txt"]
steps = ["COPY src/ /app/", "COPY extra.txt /app/"]

[[target]]
name = "one"
rule = "stages"
image = true
from = "@base"
inputs = ["src/a.py"]
steps = ["COPY src/a.py /one/"]
"""
FILES = st.dictionaries(
    st.sampled_from(["b.py", "c/d.py", "c/e.txt", "c/f/g.py", "h-i.py", "h.j/k.py"]),
    st.tuples(st.binary(min_size=1, max_size=12), st.booleans()),
    max_size=5,
)
CHANGES = st.lists(
    st.sampled_from(
        [
            "edit",
            "untracked",
            "excluded",
            "tracked-excluded",
            "package-exclude",
            "symlink",
            "staged-delete",
            "exec",
        ]
    ),
    max_size=3,
    unique=True,
)


def make_workspace(root: Path, files: dict[str, tuple[bytes, bool]]) -> None:
    """The workspace: a package whose `app` reads `src/` whole, committed in git."""
    (root / "BUILD.toml").write_text(ROOT_FILE)
    package = root / "pkg"
    (package / "src").mkdir(parents=True)
    (package / "BUILD.toml").write_text(PACKAGE_FILE)
    (package / "extra.txt").write_text("extra\n")
    (package / "src/a.py").write_text("a = 1\n")
    for path, (content, executable) in files.items():
        full = package / "src" / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_bytes(content)
        full.chmod(0o755 if executable else 0o644)
    (root / ".gitignore").write_text(".graphbuild/\n")
    git(root, "init", "-q")
    git(root, "add", "-A", "-f")
    git(root, "commit", "-qm", "base")


def change(root: Path, kind: str) -> None:
    """One change inside the folder input after the commit."""
    src = root / "pkg/src"
    if kind == "edit":
        with open(src / "a.py", "a") as handle:
            handle.write("# edited\n")
    elif kind == "untracked":
        (src / "new.py").write_text("new\n")
    elif kind == "excluded":
        (src / "debug.log").write_text("left out\n")
    elif kind == "tracked-excluded":
        (src / "old.log").write_text("tracked, and excluded from the build\n")
        git(root, "add", "pkg/src/old.log")
        git(root, "commit", "-qm", "log")
    elif kind == "package-exclude":  # tracked, clean, and not sent: the package leaves it out
        (src / "notes.md").write_text("notes\n")
        build = root / "pkg/BUILD.toml"
        build.write_text('[package]\nexclude = ["src/*.md"]\n\n' + PACKAGE_FILE)
        git(root, "add", "-A")
        git(root, "commit", "-qm", "notes")
    elif kind == "symlink":
        os.symlink("../extra.txt", src / "link.txt")
    elif kind == "staged-delete":
        (src / "gone.py").write_text("gone\n")
        git(root, "add", "pkg/src/gone.py")
        git(root, "commit", "-qm", "gone")
        git(root, "rm", "-q", "pkg/src/gone.py")
    elif kind == "exec":
        (src / "a.py").chmod(0o755)


def hashes(root: Path, **how: bool) -> dict[str, str]:
    analysis = analyze(root, **how)
    return {str(label): record.hash for label, record in analysis.hashes.stages.items()}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(FILES, CHANGES)
def test_every_path_gives_the_same_hashes(settled: None, files, changes):
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        make_workspace(root, files)
        hashes(root)  # the memo of the committed tree
        for kind in changes:
            change(root, kind)
        truth = hashes(root, use_cache=False, use_git=False)  # no git: every id computed
        assert hashes(root, use_cache=False) == truth  # git, nothing remembered
        assert hashes(root) == truth  # from the memo: few edits, or in full
        assert hashes(root) == truth  # the memo of this very tree
        shutil.rmtree(root / ".graphbuild")
        assert hashes(root) == truth  # fresh: a clone with these changes in its tree
        clone = root / "clone"
        git(root, "clone", "-q", str(root), str(clone))
        committed = hashes(clone, use_cache=False, use_git=False)
        assert hashes(clone) == committed  # a fresh clone of HEAD
        at_head = analyze_commit(root, "HEAD", "")  # HEAD from git's objects, nothing extracted
        assert at_head is not None
        assert {str(k): r.hash for k, r in at_head.hashes.stages.items()} == committed


def test_a_fresh_clone_asks_git_for_the_tree_ids(tmp_path: Path, monkeypatch, settled: None):
    root = tmp_path / "ws"
    root.mkdir()
    make_workspace(root, {"c/d.py": (b"d", True)})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(root), str(clone))
    asked: list[list[str]] = []
    head_trees = git_objects.head_trees

    def spy(root_: Path, prefix: str, folders: list[str], commit: str) -> dict[str, str]:
        asked.append(list(folders))
        return head_trees(root_, prefix, folders, commit)

    monkeypatch.setattr(git_objects, "head_trees", spy)
    analysis = analyze(clone)
    assert asked == [["pkg/src"]]
    record = next(r for r in analysis.hashes.stages.values() if r.label == "//pkg:app")
    tree = git(clone, "rev-parse", "HEAD:pkg/src").strip()
    assert record.inputs["pkg/src/"] == TreeDigest(tree)
    assert record.contents == {}  # no file of it listed for hashing
    assert "pkg/src/c/d.py" not in record.inputs
    shape = Store(clone / ".graphbuild").get(GIT_SHAPE)
    assert shape is not None  # the memo keeps the folder, not its files: they are the index's
    assert shape.inputs[next(k for k in shape.inputs if str(k) == "//pkg:app")] == (
        "pkg/extra.txt",
        "pkg/src/",
    )


UNVOUCHED = ["edit", "untracked", "tracked-excluded", "package-exclude", "symlink", "exec"]


@pytest.mark.parametrize("kind", [*UNVOUCHED, "staged-delete"])
def test_a_folder_git_cannot_vouch_for_is_computed(tmp_path: Path, kind: str, settled: None):
    root = tmp_path / "ws"
    root.mkdir()
    make_workspace(root, {})
    change(root, kind)
    analysis = analyze(root, use_cache=False)
    record = next(r for r in analysis.hashes.stages.values() if r.label == "//pkg:app")
    assert "pkg/src/" in record.contents  # computed from the files, not taken from git
    assert analysis.source is Source.FULL


def test_the_index_listing_of_a_folder_is_found_whole():
    line = "H 100644 {} 0\t{}\0"
    index = "".join(
        line.format(blob * 40, path)
        for blob, path in [
            ("1", "a\tpkg/src/x"),  # a tab inside an earlier path, followed by the folder's name
            ("2", "pkg/src-x/y"),
            ("3", "pkg/src/a.py"),
            ("4", "pkg/src/b/c.py"),
            ("5", "pkg/srcs/d.py"),
        ]
    ).encode()
    found = indexed_below(index, "pkg/src")
    assert found == {"pkg/src/a.py": (0o100644, "3" * 40), "pkg/src/b/c.py": (0o100644, "4" * 40)}


def test_a_commit_is_analyzed_from_git_objects_as_its_checkout_is(tmp_path: Path, monkeypatch):
    repo = tmp_path / "repo"
    root = repo / "ws"  # the workspace in a folder of its repository
    root.mkdir(parents=True)
    make_workspace(root, {"c/d.py": (b"d", True), "b.py": (b"b", False)})
    shutil.move(root / ".git", repo / ".git")
    os.symlink("../extra.txt", root / "pkg/src/link.txt")  # its folder is computed, not git's
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "moved, and a link")
    with_link = git(repo, "rev-parse", "HEAD").strip()
    (root / "pkg/src/link.txt").unlink()
    git(repo, "commit", "-qam", "no link")
    without_link = git(repo, "rev-parse", "HEAD").strip()
    with open(root / "pkg/src/b.py", "a") as handle:
        handle.write("# later\n")
    git(repo, "commit", "-qam", "later")
    asked: list[str] = []
    head_trees = git_objects.head_trees

    def spy(root_: Path, prefix: str, folders: list[str], commit: str) -> dict[str, str]:
        asked.append(f"{commit}:{prefix}")
        return head_trees(root_, prefix, folders, commit)

    monkeypatch.setattr(git_objects, "head_trees", spy)
    computed = []
    for commit in (with_link, without_link):
        checkout = tmp_path / commit
        git(tmp_path, "clone", "-q", str(repo), str(checkout))
        git(checkout, "checkout", "-q", commit)
        truth = hashes(checkout / "ws", use_cache=False, use_git=False)
        analysis = analyze_commit(root, commit, "ws/")
        assert analysis is not None
        assert {str(k): r.hash for k, r in analysis.hashes.stages.items()} == truth
        extracted = analyze_extracted(root, commit)  # what attributes would make it do
        assert extracted is not None
        assert {str(k): r.hash for k, r in extracted.hashes.stages.items()} == truth
        app = next(r for r in analysis.hashes.stages.values() if r.label == "//pkg:app")
        computed.append("pkg/src/" in app.contents)
    # the folder's tree id, asked of git at each commit (before its inputs are matched), and
    # taken only where git vouches for the folder: not with the link inside
    assert asked == [f"{with_link}:ws/", f"{without_link}:ws/"]
    assert computed == [True, False]
    tree = git(repo, "rev-parse", f"{without_link}:ws/pkg/src").strip()
    assert app.inputs["pkg/src/"] == TreeDigest(tree)


def test_files_a_checkout_rewrites_are_read_as_extracted(tmp_path: Path):
    root = tmp_path / "ws"
    root.mkdir()
    make_workspace(root, {"b.py": (b"b = 1\n", False)})
    as_blobs = analyze_commit(root, "HEAD", "")
    assert as_blobs is not None
    (root / ".gitattributes").write_text("*.py text eol=crlf\n")  # a checkout writes CRLF
    git(root, "add", "-A")
    git(root, "commit", "-qm", "attributes")
    objects, extracted = analyze_commit(root, "HEAD", ""), analyze_extracted(root, "HEAD")
    assert objects is not None and extracted is not None
    assert objects.hashes.stages == extracted.hashes.stages  # the .py files as checked out
    app = next(r for r in objects.hashes.stages.values() if r.label == "//pkg:app")
    old = next(r for r in as_blobs.hashes.stages.values() if r.label == "//pkg:app")
    assert app.hash != old.hash  # (their CRLF bytes, not git's blobs)
    git(root, "config", "core.symlinks", "false")  # a checkout would differ everywhere
    assert analyze_commit(root, "HEAD", "") is None

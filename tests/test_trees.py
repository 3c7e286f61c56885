"""Folder tree ids computed from file digests equal git's own (a differential test against
git on random folders: names that sort differently as folders, exec bits, symlinks)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from graphbuild.hashing.packed import FileDigest
from graphbuild.hashing.trees import folder_inputs, group_by_folder, tree_id
from graphbuild.tree.git_objects import folder_trees_files

# "\ue000" (bytes EE 80 80) sorts after "\udcf0" (a name holding the byte F0, not UTF-8) by
# code point, before it by byte, as git sorts
NAMES = st.sampled_from(
    ["a", "a.b", "a-b", "a0", "b", "é", "Z", "a b", "x.py", "__init__.py", "\ue000", "\udcf0"]
)
PATHS = st.lists(NAMES, min_size=1, max_size=4).map("/".join)
KINDS = st.sampled_from(["file", "exec", "link"])
FOLDERS = (
    st.dictionaries(PATHS, st.tuples(KINDS, st.binary(min_size=1, max_size=8)), min_size=1)
    .filter(  # a file and a folder of one name cannot both exist
        lambda files: not any(o.startswith(p + "/") for p in files for o in files)
    )
    .map(lambda files: {p: (k, b"target" if k == "link" else c) for p, (k, c) in files.items()})
)  # path -> (kind, content; a link's is its target)


def git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    """git's output in `repo`."""
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, input=data
    ).stdout


def write_folder(repo: Path, folder: str, files: dict[str, tuple[str, bytes]]) -> None:
    """A new git repository holding `files` in `folder`, added to its index."""
    git(repo, "init", "-q")
    for path, (kind, content) in files.items():
        full = repo / folder / path
        full.parent.mkdir(parents=True, exist_ok=True)
        if kind == "link":
            os.symlink(content.decode(), full)
        else:
            full.write_bytes(content)
            full.chmod(0o755 if kind == "exec" else 0o644)
    git(repo, "add", "-A")


def git_folder_tree(files: dict[str, tuple[str, bytes]], folder: str) -> tuple[str, dict]:
    """Git's tree id of `folder` holding `files`, and the digests git's index gives them."""
    with tempfile.TemporaryDirectory() as temp:
        repo = Path(temp)
        write_folder(repo, folder, files)
        tree = git(repo, "write-tree").decode().strip()
        folder_id = git(repo, "rev-parse", f"{tree}:{folder}").decode().strip()
        digests = {}
        for line in git(repo, "ls-files", "-s", "-z").split(b"\0"):
            if line:
                meta, _, path = line.decode("utf-8", "surrogateescape").partition("\t")
                mode, blob, _ = meta.split()
                digests[path] = FileDigest(blob, mode == "100755", mode == "120000")
        return folder_id, digests


@settings(max_examples=40, deadline=None)
@given(FOLDERS)
def test_tree_ids_equal_gits(files: dict[str, tuple[str, bytes]]):
    expected, digests = git_folder_tree(files, "pkg/src")
    assert tree_id("pkg/src", digests) == expected


def test_folder_inputs_are_whole_folders_outermost_first():
    patterns = ("src/", "src/pkg/", "tests/", "pyproject.toml", "lib*/")
    assert folder_inputs("images/app", patterns) == ("images/app/src", "images/app/tests")
    assert folder_inputs("images/app", (*patterns, "./")) == ("images/app",)
    assert folder_inputs("", ("./", "src/")) == ("src",)  # the workspace root is no folder input


def test_group_by_folder_keeps_a_sibling_with_a_common_prefix_apart():
    groups, rest = group_by_folder(["a/src/x", "a/srcs/y", "a/src"], ["a/src"])
    assert groups == {"a/src": ["a/src/x"]}
    assert rest == ["a/src", "a/srcs/y"]  # in path order


@settings(max_examples=30, deadline=None)
@given(FOLDERS)
def test_files_of_trees_read_in_one_batch_equal_git_ls_tree(files: dict[str, tuple[str, bytes]]):
    with tempfile.TemporaryDirectory() as temp:
        repo = Path(temp)
        write_folder(repo, "pkg/src", files)
        submodule = "1" * 40  # a gitlink: listed by ls-tree as a commit, not a file
        git(repo, "update-index", "--add", "--cacheinfo", f"160000,{submodule},pkg/src/sub")
        tree = git(repo, "rev-parse", git(repo, "write-tree").decode().strip() + ":pkg/src")
        folder_tree = tree.decode().strip()
        listed = {}
        for line in git(repo, "ls-tree", "-r", "-z", folder_tree).split(b"\0"):
            if line and b" blob " in line:
                meta, _, path = line.decode("utf-8", "surrogateescape").partition("\t")
                mode, _, blob = meta.split()
                listed[path] = (int(mode, 8), blob)
        asked = {(folder_tree, "pkg/src"), (folder_tree, "copy/of"), ("0" * 40, "gone")}
        found = folder_trees_files(repo, asked)
    assert found == {
        (folder_tree, "pkg/src"): {f"pkg/src/{p}": v for p, v in listed.items()},
        (folder_tree, "copy/of"): {f"copy/of/{p}": v for p, v in listed.items()},
    }  # a tree asked under two folders is read under each; one git does not have is left out

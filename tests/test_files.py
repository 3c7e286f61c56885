"""Glob matching and the tree scan."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphbuild.tree.globs import match_context, match_inputs
from graphbuild.tree.patterns import glob_regex
from graphbuild.tree.walk import Entry, Tree, make_tree, scan_workspace


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("src/**/*.py", "src/a.py", True),
        ("src/**/*.py", "src/x/y/a.py", True),
        ("src/**/*.py", "src/a.txt", False),
        ("src/*.py", "src/x/a.py", False),
        ("src", "src/x/y", True),
        ("src/", "src/x", True),
        ("src", "srcx/y", False),
        ("*.txt", "a.txt", True),
        ("*.txt", "d/a.txt", False),
        ("[ab].py", "a.py", True),
        ("[!a].py", "a.py", False),
        ("?.py", "ab.py", False),
        ("**", "x/y", True),
        ("a+b.txt", "a+b.txt", True),
        ("a+b.txt", "aab.txt", False),
    ],
)
def test_glob(pattern: str, path: str, matches: bool):
    assert bool(glob_regex(pattern).match(path)) is matches


def make_files(root: Path) -> None:
    for path in (
        "BUILD.toml",
        "app/BUILD.toml",
        "app/src/a.py",
        "app/src/b.txt",
        "app/lib/BUILD.toml",
        "app/lib/c.py",
        ".git/HEAD",
        "app/.graphbuild/x",
    ):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(path)


def test_scan_skips_git_cache_excluded_and_nested_workspaces(tmp_path: Path):
    make_files(tmp_path)
    (tmp_path / "app/lib/BUILD.toml").write_text("[workspace]\nname = 'inner'\n")
    (tmp_path / "app/src/x.pyc").write_text("")
    scan = scan_workspace(tmp_path, exclude=["**/*.pyc"])
    assert sorted(scan.entries) == ["BUILD.toml", "app/BUILD.toml", "app/src/a.py", "app/src/b.txt"]
    assert scan.build_files == ("BUILD.toml", "app/BUILD.toml")
    assert scan.nested == ("app/lib",)


def test_build_files_in_hidden_folders_are_not_packages(tmp_path: Path):
    make_files(tmp_path)
    (tmp_path / ".cache/tool").mkdir(parents=True)
    (tmp_path / ".cache/tool/BUILD.toml").write_text("")
    (tmp_path / "node_modules/x").mkdir(parents=True)
    (tmp_path / "node_modules/x/BUILD.toml").write_text("")
    scan = scan_workspace(tmp_path)
    assert scan.build_files == ("BUILD.toml", "app/BUILD.toml", "app/lib/BUILD.toml")
    assert ".cache/tool/BUILD.toml" in scan.entries


def tree_of(root: Path, packages: list[str]):
    return make_tree(scan_workspace(root), packages)


def test_inputs_stop_at_nested_packages_but_copies_do_not(tmp_path: Path):
    make_files(tmp_path)
    tree = tree_of(tmp_path, ["", "app", "app/lib"])
    assert match_inputs(tree, "app", "**/*.py") == ["app/src/a.py"]
    assert match_context(tree, "app", ".") == [
        "app/BUILD.toml",
        "app/lib/BUILD.toml",
        "app/lib/c.py",
        "app/src/a.py",
        "app/src/b.txt",
    ]


def test_symlinks_are_recorded_not_followed(tmp_path: Path):
    make_files(tmp_path)
    os.symlink("src/a.py", tmp_path / "app" / "link.py")
    tree = tree_of(tmp_path, ["", "app"])
    assert tree.entries["app/link.py"].link == "src/a.py"
    assert not tree.entries["app/link.py"].executable


NAMED_PATHS = ["src/a.py", "src/x/y.py", "src-x/a", "src.y", "srcs/a", "src0", "a/src/b", "é/f"]


@settings(max_examples=200, deadline=None)
@given(
    st.sets(st.sampled_from(NAMED_PATHS), min_size=1),
    st.sampled_from(["src", "src/", "./src/", "src/x", "src/a.py", "a/src/", "é", "src-x"]),
)
def test_a_pattern_without_wildcards_matches_what_its_glob_does(paths: set[str], pattern: str):
    """Inputs and COPY sources named whole are found by bisection: the same files the glob's
    regex selects (siblings that share a prefix, `src-x`, `srcs`, `src0`, left out)."""
    tree = Tree(entries={p: Entry(0, 0, 0, 0, 0o100644) for p in paths}, packages=frozenset({""}))
    regex = glob_regex(pattern)
    expected = sorted(p for p in paths if regex.match(p))
    assert sorted(match_inputs(tree, "", pattern)) == expected
    assert sorted(match_context(tree, "", pattern)) == expected

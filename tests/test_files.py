"""Glob matching and the tree scan."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graphbuild.files import glob_regex, match_context, match_inputs, scan_tree


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


def make_tree(root: Path) -> None:
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


def test_scan_skips_git_and_cache_folders_and_excluded_ones(tmp_path: Path):
    make_tree(tmp_path)
    tree = scan_tree(tmp_path, ["", "app", "app/lib"], skipped=["app/lib"])
    assert tree.paths == ("BUILD.toml", "app/BUILD.toml", "app/src/a.py", "app/src/b.txt")


def test_inputs_stop_at_nested_packages_but_copies_do_not(tmp_path: Path):
    make_tree(tmp_path)
    tree = scan_tree(tmp_path, ["", "app", "app/lib"])
    assert match_inputs(tree, "app", "**/*.py") == ["app/src/a.py"]
    assert match_context(tree, "app", ".") == [
        "app/BUILD.toml",
        "app/lib/BUILD.toml",
        "app/lib/c.py",
        "app/src/a.py",
        "app/src/b.txt",
    ]


def test_symlinks_are_recorded_not_followed(tmp_path: Path):
    make_tree(tmp_path)
    os.symlink("src/a.py", tmp_path / "app" / "link.py")
    tree = scan_tree(tmp_path, ["", "app"])
    assert tree.entries["app/link.py"].link == "src/a.py"
    assert not tree.entries["app/link.py"].executable

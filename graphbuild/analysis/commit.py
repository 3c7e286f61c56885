"""The analysis of the workspace as committed at a git revision, from git's objects: its file
listing from the commit's tree, its definition files (and symlinks) read from git into a
temporary folder with the files a checkout would rewrite extracted as it writes them, every
other file known by its blob id as in a fresh clone (docs/design.md §5)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import attrs

from graphbuild.analysis.run import Analysis, analyze_view
from graphbuild.definition.load import read_root, scan_exclusions
from graphbuild.definition.workspace_table import DEFINITION_FILES
from graphbuild.state.store import Store
from graphbuild.tree.git import run_git, run_git_binary
from graphbuild.tree.git_archive import extract
from graphbuild.tree.git_attributes import attributes_may_apply, converted_paths, parse_config
from graphbuild.tree.git_objects import read_objects
from graphbuild.tree.git_start import CONFIG_KEYS
from graphbuild.tree.git_view import keeps_modes_and_links, view_from_git, vouched_files

# `git ls-tree -r -z` of files alone: mode, type, object id (SHA-1), path, each line ended by a
# NUL; checked whole in one match, then reshaped by fixed offsets (one regex substitution with
# a template cost 0.48 s a 200,000-line listing, the offsets 0.14 s)
FILE_LINES = re.compile(rb"(?:(?:100644|100755|120000) blob [0-9a-f]{40}\t[^\0]*\0)*")
TREE_LINE = re.compile(rb"(100644|100755|120000) blob ([0-9a-f]{40})\t([^\0]*)")
NAMES = "|".join(re.escape(name) for name in DEFINITION_FILES).encode()
DEFINITION_END = re.compile(rb"[/\t](?:%s)\0" % NAMES)  # where a definition file's line ends
LINK_LINE = re.compile(rb"\x00120000 blob ")  # (after the NUL ending the line before)


def analyze_commit(root: Path, ref: str, prefix: str) -> Analysis | None:
    """The analysis of the workspace at `root` (the folder `prefix` of its repository) as
    committed at `ref`; None where git's objects cannot stand for a checkout of it (a
    submodule, settings that drop exec bits or symlinks, many files a checkout rewrites, a
    SHA-256 repository), for the caller to extract the whole tree instead."""
    listed = run_git_binary(root, "ls-tree", "-r", "-z", "--full-tree", f"{ref}:{prefix}")
    index = index_listing(listed.stdout) if listed.returncode == 0 else None
    rewritten = rewritten_files(root, ref, prefix, index) if index is not None else None
    if index is None or rewritten is None or len(rewritten) > MAX_REWRITTEN:
        return None
    wanted = definition_files(listed.stdout)
    contents = read_objects(root, sorted({oid for oid, _ in wanted.values()}), b"blob")
    if contents is None:
        return None
    with tempfile.TemporaryDirectory(prefix="graphbuild-commit-") as temp:
        folder = Path(temp)
        if not write_files(folder, wanted, contents):
            return None
        if rewritten and not extract(root, ref, folder, sorted(rewritten)):
            return None  # (a file a checkout rewrites is read as the checkout writes it)
        root_file = read_root(folder)
        exclusions = scan_exclusions(root_file)
        view = view_from_git(folder, exclusions, prefix, index, b"", frozenset(rewritten))
        view = attrs.evolve(view, commit=ref, repository=root)
        return analyze_view(folder, root_file, view, Store(None), None)


MAX_REWRITTEN = 1000  # files a checkout rewrites that are extracted one by one; beyond, all


def rewritten_files(root: Path, ref: str, prefix: str, index: bytes) -> set[str] | None:
    """The files a checkout of `ref` would write otherwise than git stores them, by the
    attributes committed there and set here; None when git's settings drop exec bits or
    symlinks (a checkout then differs everywhere)."""
    config = parse_config(run_git_binary(root, "config", "-z", "--get-regexp", CONFIG_KEYS).stdout)
    if not keeps_modes_and_links(config):
        return None
    info = run_git(root, "rev-parse", "--git-path", "info/attributes").stdout.strip()
    if not attributes_may_apply(root, prefix.count("/"), [index], config, info):
        return set()
    return converted_paths(root, vouched_files(index), config, commit=ref)


def index_listing(listing: bytes) -> bytes | None:
    """A commit's `ls-tree -r -z` as the `ls-files -s -v -z` listing of a clean index (every
    file cached, stage 0); None when it holds anything else (a submodule, SHA-256 ids)."""
    if FILE_LINES.fullmatch(listing) is None:
        return None
    lines = listing.split(b"\0")[:-1]  # `MODE blob OID\tPATH`: the OID at 12-52
    return b"".join([b"H %s %s 0%s\0" % (line[:6], line[12:52], line[52:]) for line in lines])


def definition_files(listing: bytes) -> dict[str, tuple[str, bool]]:
    """path -> (blob id, whether a symlink) of every definition file and symlink a commit's
    listing holds (what an analysis of a clean tree reads from disk): found by the ends of
    their lines, then each line read from its start."""
    starts = {listing.rfind(b"\0", 0, end.start()) + 1 for end in DEFINITION_END.finditer(listing)}
    starts |= {link.start() + 1 for link in LINK_LINE.finditer(listing)}
    starts |= {0} if listing.startswith(b"120000 blob ") else set()
    found = {}
    for start in sorted(starts):
        end = listing.find(b"\0", start)
        line = TREE_LINE.fullmatch(listing, start, end)
        if line is None:
            continue
        mode, oid, raw = line.groups()
        name = raw.rpartition(b"/")[2].decode("utf-8", "surrogateescape")
        if mode == b"120000" or name in DEFINITION_FILES:
            found[raw.decode("utf-8", "surrogateescape")] = (oid.decode(), mode == b"120000")
    return found


def write_files(
    folder: Path, wanted: dict[str, tuple[str, bool]], contents: dict[str, bytes]
) -> bool:
    """Write the definition files and symlinks into `folder` (a symlink's blob is its target);
    False when a path is not one git would check out or an object is missing."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for path, (oid, link) in sorted(wanted.items()):
        parts = path.split("/")
        if oid not in contents or any(part in ("", ".", "..", ".git") for part in parts):
            return False
        target = folder.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if link:
            os.symlink(contents[oid].decode("utf-8", "surrogateescape"), target)
            continue
        with os.fdopen(os.open(target, flags, 0o644), "wb") as handle:
            handle.write(contents[oid])
    return True

"""The scan of a workspace in a git work tree, from git's index: files git reports clean are
taken with their object ids and never stat-ed here; only what git reports changed, untracked
or ignored is stat-ed (or walked, for a whole untracked or ignored folder)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Set
from pathlib import Path

import attrs

from graphbuild.core.model import BLOB_HEX
from graphbuild.definition.layout import BUILD_FILE, is_workspace_root
from graphbuild.tree.exclusions import exclusion_test
from graphbuild.tree.git_attributes import attributes_may_apply, converted_paths, parse_config
from graphbuild.tree.git_start import GitRun, output, start_view
from graphbuild.tree.index_files import IndexFiles, folder_state, list_index
from graphbuild.tree.walk import (
    SKIP_DIRS,
    Scan,
    Walk,
)

# `git ls-files -s -v -z`: tag, mode, object id, stage, path; H is a plain cached file (not
# assume-unchanged, not skip-worktree)
INDEX_LINE = re.compile(rb"(.) (\d{6}) ([0-9a-f]{40,64}) (\d)\t([^\0]*)\0")
# the starts of the entries git vouches for: tag H (cached, so stage 0: a conflict is tagged
# M, assume-unchanged lower-case, skip-worktree S), a file or a symlink
VOUCHED_STARTS = (b"\0H 100644 ", b"\0H 100755 ", b"\0H 120000 ")
# an entry that may not be one of those: another tag, or a submodule (the only other mode H has)
UNUSUAL_ENTRY = re.compile(rb"\0(?:[^H]|H 160000 )")
MODES = {b"100644": 0o100644, b"100755": 0o100755, b"120000": 0o120000}
FALSE = ("false", "no", "off", "0")


def keeps_modes_and_links(config: Mapping[str, str]) -> bool:
    """False when git's settings make a checkout drop exec bits or symlinks: its "clean" is
    then not the bytes and modes Docker sends."""
    return all(config.get(key, "").lower() not in FALSE for key in MODE_KEYS)


MODE_KEYS = ("core.filemode", "core.symlinks")


@attrs.frozen(eq=False)
class GitView:
    """What git says of the workspace, with only what it did not vouch for stat-ed: enough to
    name the tree (the stamp); `scan()` lists the rest when the files are needed."""

    index: bytes  # `git ls-files -s -v -z` below the workspace
    changed: Walk  # every file git did not vouch for, stat-ed (untracked folders walked)
    skip: frozenset[str]  # index paths stat-ed above rather than vouched for
    stamp: bytes  # SHA-256 of the index listing and of every stat-ed entry
    index_digest: bytes  # SHA-256 of the index listing alone
    prefix: str = ""  # the workspace's folder in its repository ('' at the top, else 'a/b/')
    # tracked files whose index entry or work-tree file may differ from HEAD's: changed,
    # staged, deleted, not vouched for, or rewritten by attributes
    tracked_changes: frozenset[str] = frozenset()
    commit: str = "HEAD"  # the commit whose trees git is asked for
    repository: Path | None = None  # where git answers for it (None: the workspace itself)
    listed: IndexFiles | None = None  # the listing's files, when listed while status ran

    def scan(self) -> Scan:
        """The whole scan: the stat-ed files and every file git vouched for."""
        walk = self.changed.copy()
        listed = self.listed or list_index(self.index, walk.is_excluded)
        left_out = listed.add_to(walk, self.skip)
        drop_nested(walk)
        return attrs.evolve(walk.scan(), left_out=left_out)


def index_entry(index: bytes, path: str) -> tuple[int, str] | None:
    """The mode and object id an index listing gives `path` at stage 0, if any."""
    raw = path.encode("utf-8", "surrogateescape")
    for record in INDEX_LINE.finditer(index, index_seek(index, raw)):
        if record.group(5) != raw:
            break
        if record.group(4) == b"0" and record.group(2) in MODES:
            return MODES[record.group(2)], record.group(3).decode()
    return None


def index_seek(index: bytes, key: bytes) -> int:
    """The offset of the first line of an index listing whose path is not below `key` in byte
    order (git lists its index sorted so): a binary search over the lines, where a scan of
    the 18 MB listing of 200,000 files took 1 ms a lookup."""
    low, high = 0, len(index)  # both always line starts (or the end)
    while low < high:
        start = index.rfind(b"\0", low, (low + high) // 2) + 1 or low
        end = index.find(b"\0", start)
        if end < 0 or index[index.find(b"\t", start, end) + 1 : end] < key:
            low = end + 1 if end >= 0 else high
        else:
            high = start
    return low


def finish_git(
    root: Path, run: GitRun | None, exclude: Iterable[str] = (), list_early: bool = False
) -> GitView | None:
    """What git says of `root`, or None when git cannot vouch for the tree here (no git, no
    repository, submodules, or a configuration under which clean does not mean same bytes).
    `list_early`: list the index's files while status works, for a caller sure to scan (on
    two cores, status leaves one half idle: a fresh clone's plan gains the 0.3 s listing)."""
    if run is None:
        return None
    status, index, setup, config_run = run
    index_out = output(index)  # first: its 20 MB would fill the pipe while status runs
    # the listing's digest and doubtful entries are worked out while status walks the tree
    early = (
        None if index_out is None else (hashlib.sha256(index_out).digest(), not_vouched(index_out))
    )
    exclude = tuple(exclude)
    listed = list_index(index_out, exclusion_test(exclude)) if list_early and index_out else None
    status_out, setup_out, config_out = output(status), output(setup), output(config_run)
    if setup_out is None or index_out is None or status_out is None or early is None:
        return None
    index_digest, unvouched = early
    config = parse_config(config_out)
    if not keeps_modes_and_links(config):
        return None  # git ignores exec bits or symlinks here: its "clean" is not ours
    if unvouched and any(e[2:9] == b"160000 " for e in index_out.split(b"\0")):
        return None  # a submodule: its files are in another index
    first = INDEX_LINE.match(index_out)
    if first is not None and len(first.group(3)) != BLOB_HEX:
        return None  # a SHA-256 repository: its ids are not the SHA-1 blob ids we hash by
    prefix, _, info = setup_out.decode("utf-8", "surrogateescape").partition("\n")
    prefix, info = prefix.strip(), info.strip()
    if attributes_may_apply(root, prefix.count("/"), (index_out, status_out), config, info):
        unvouched |= converted_paths(root, vouched_files(index_out), config)
    view = view_from_git(root, exclude, prefix, index_out, status_out, unvouched, index_digest)
    return attrs.evolve(view, listed=listed)


def git_view(root: Path, exclude: Iterable[str] = ()) -> GitView | None:
    """What git says of `root` (see finish_git)."""
    return finish_git(root, start_view(root), exclude)


def view_from_git(
    root: Path,
    exclude: Iterable[str],
    prefix: str,
    index_out: bytes,
    status_out: bytes,
    doubtful: Set[str] = frozenset(),
    index_digest: bytes | None = None,
) -> GitView:
    """The view that git's index listing and status describe (paths relative to `root`); the
    `doubtful` tracked files (not vouched for by their index entry, or rewritten by attributes)
    are stat-ed and read like changed ones; `index_digest`: the listing's SHA-256, if known."""
    walk = Walk(str(root), exclusion_test(exclude))
    cut = len(prefix.encode("utf-8", "surrogateescape"))
    changed = {
        record[3 + cut :].decode("utf-8", "surrogateescape")
        for record in status_out.split(b"\0")
        if len(record) > 3
    }
    tracked = {
        record[3 + cut :].decode("utf-8", "surrogateescape")
        for record in status_out.split(b"\0")
        if len(record) > 3 and record[:2] not in (b"??", b"!!")
    }
    tracked |= doubtful
    changed |= tracked
    state: dict[str, tuple[bool, bool]] = {"": (False, False)}
    listed = []  # what is not excluded: a deleted file is listed by git and found by no stat
    for path in sorted(changed):
        trimmed = path.rstrip("/")
        parent, _, name = trimmed.rpartition("/")
        excluded, hidden = folder_state(state, parent, walk.is_excluded)
        if excluded or name in SKIP_DIRS or walk.is_excluded(name, trimmed):
            continue  # nor in the stamp: `.graphbuild/` untracked until its .gitignore is made
        listed.append(path)
        walk.file(trimmed, name, hidden, None)  # a folder is walked whole
    index_digest = index_digest or hashlib.sha256(index_out).digest()
    stamp = hashlib.sha256(index_digest)
    for path in sorted(walk.entries):
        stamp.update(f"{path}\0{tuple(walk.entries[path])}\0".encode("utf-8", "surrogateescape"))
    for part in (
        listed,
        sorted(walk.problems.items()),
        sorted(walk.nested),
        sorted(walk.build_files),
    ):
        stamp.update(repr(part).encode("utf-8", "surrogateescape"))
    return GitView(
        index_out,
        walk,
        frozenset(changed),
        stamp.digest(),
        index_digest,
        prefix,
        frozenset(tracked),
    )


def vouched_files(index_out: bytes) -> list[str]:
    """The regular files of an index listing git vouches for (tag H, stage 0)."""
    return [
        line.partition(b"\t")[2].decode("utf-8", "surrogateescape")
        for line in index_out.split(b"\0")
        if line.startswith((b"H 100644 ", b"H 100755 "))
    ]


def not_vouched(index_out: bytes) -> set[str]:
    """The index entries git does not vouch for (one pass first: usually there are none)."""
    if not UNUSUAL_ENTRY.search(b"\0" + index_out[:16]) and not UNUSUAL_ENTRY.search(index_out):
        return set()
    return {
        line.partition(b"\t")[2].decode("utf-8", "surrogateescape")
        for line in index_out.split(b"\0")
        if line and not (b"\0" + line[:9]).startswith(VOUCHED_STARTS)
    }


def drop_nested(walk: Walk) -> None:
    """Leave out folders that hold a workspace of their own, as the plain walk does."""
    nested = sorted(
        {
            path.rpartition("/")[0]
            for path in walk.entries
            if path.endswith("/" + BUILD_FILE) and is_workspace_root(f"{walk.base}/{path}")
        }
    )
    nested = [n for n in nested if not any(n.startswith(o + "/") for o in nested)]
    if not nested:
        return
    walk.nested.extend(nested)
    inside = tuple(n + "/" for n in nested)
    for path in [p for p in walk.entries if p.startswith(inside)]:
        del walk.entries[path]
    walk.build_files[:] = [p for p in walk.build_files if not p.startswith(inside)]
    for path in [p for p in walk.problems if p.startswith(inside)]:
        del walk.problems[path]

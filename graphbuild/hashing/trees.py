"""Folder inputs by git tree id (docs/design.md §5): a stage input that names a whole folder
enters the hash as the id git gives a tree of exactly the files the stage reads there, each by
its blob id and mode. Git's own id is taken where git vouches for the folder; anywhere else the
same id is computed here from the files' digests, so the hash is one definition."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence, Set

from graphbuild.core.labels import Label, join
from graphbuild.core.model import Stage
from graphbuild.graph.link import Graph
from graphbuild.hashing.packed import FileDigest, InputDigest, PackedInputs, TreeDigest
from graphbuild.tree.git_objects import indexed_below
from graphbuild.tree.walk import Scan, Tree

WILDCARDS = "*?["


def folder_inputs(package: str, patterns: Iterable[str]) -> tuple[str, ...]:
    """The workspace-relative folders a stage's input patterns name whole (`src/`: a pattern
    without a wildcard ending in a slash), those inside another left out, sorted."""
    named = sorted(
        {
            join(package, pattern).rstrip("/")
            for pattern in patterns
            if pattern.endswith("/") and not any(c in pattern for c in WILDCARDS)
        }
    )
    kept: list[str] = []
    for folder in named:  # sorted: a folder comes before every folder inside it
        if folder in ("", ".") or not any(folder.startswith(k + "/") for k in kept):
            kept.append(folder)
    return tuple(k for k in kept if k not in ("", "."))


def group_by_folder(
    paths: Iterable[str], folders: Sequence[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """The paths below each folder, and the paths below none (`folders`: none inside another),
    each in path order; found by bisection, as a folder's paths sort together ("0" follows
    "/")."""
    ordered = sorted(paths)  # the inputs come sorted: linear
    groups: dict[str, list[str]] = {}
    spans = []
    for folder in folders:
        start = bisect.bisect_left(ordered, folder + "/")
        end = bisect.bisect_left(ordered, folder + "0", start)
        groups[folder] = ordered[start:end]
        spans.append((start, end))
    rest: list[str] = []
    at = 0
    for start, end in sorted(spans):
        rest += ordered[at:start]
        at = max(at, end)
    rest += ordered[at:]
    return groups, rest


def git_mode(digest: FileDigest) -> bytes:
    """The mode git records for a file of that digest."""
    if digest.symlink:
        return b"120000"
    return b"100755" if digest.executable else b"100644"


def git_digest(mode: int, blob: str) -> FileDigest:
    """The digest of a file git lists with that mode and blob id (the inverse of git_mode)."""
    return FileDigest(blob, mode == 0o100755, mode == 0o120000)


def tree_id(folder: str, digests: Mapping[str, FileDigest]) -> str:
    """The git tree id of the files `digests` holds below `folder` (workspace-relative paths),
    as `git write-tree` would give it for a folder holding exactly those."""
    cut = len(folder) + 1
    root: dict[str, object] = {}
    for path, digest in digests.items():
        *parents, name = path[cut:].split("/")
        node = root
        for part in parents:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        node[name] = digest
    return write_tree(root)


def write_tree(node: Mapping[str, object]) -> str:
    """The id of one tree object (its subtrees first): entries `mode name\\0raw-id`, ordered
    by name with a subtree's name read as ending in a slash, as git orders them."""
    entries = []
    for name, value in node.items():
        raw = name.encode("utf-8", "surrogateescape")
        if isinstance(value, FileDigest):
            entries.append((raw, git_mode(value) + b" " + raw + b"\0" + bytes.fromhex(value.blob)))
        else:
            sub = write_tree(value)  # type: ignore[arg-type]
            entries.append((raw + b"/", b"40000 " + raw + b"\0" + bytes.fromhex(sub)))
    body = b"".join(entry for _, entry in sorted(entries))
    return hashlib.sha1(b"tree %d\0" % len(body) + body, usedforsecurity=False).hexdigest()


def vouched_folders(
    stages: Mapping[Label, Stage],
    inputs: Mapping[Label, Sequence[str]],
    tree: Tree,
    scan: Scan,
    tracked_changes: Set[str],
) -> list[str]:
    """The folder inputs whose files, for every stage that names them, are exactly what git's
    HEAD holds there: each file tracked and clean, none staged, deleted, excluded, rewritten
    by attributes or a symlink, nothing untracked that Docker would send, no nested
    workspace. Their tree id is git's."""
    verdict: dict[str, bool] = {}
    for label, stage in stages.items():
        folders = folder_inputs(stage.package, stage.inputs)
        if not folders:
            continue
        groups, _ = group_by_folder(inputs.get(label, ()), folders)
        for folder, group in groups.items():
            if verdict.get(folder, True):
                verdict[folder] = held_as_git_holds(folder, group, tree)
    doubtful = sorted({*scan.left_out, *scan.nested, *tracked_changes})
    return sorted(f for f, ok in verdict.items() if ok and not holds_any(doubtful, f))


def held_as_git_holds(folder: str, group: Sequence[str], tree: Tree) -> bool:
    """True when `group` is every file the tree has below `folder`, each one git vouched for
    (its id from the index) and none a symlink."""
    paths = tree.paths
    start = bisect.bisect_left(paths, folder + "/")
    end = bisect.bisect_left(paths, folder + "0", start)  # "0" follows "/"
    if not group or end - start != len(group):
        return False
    entries = tree.entries
    return all((entry := entries[p]).blob is not None and entry.link is None for p in group)


def holds_any(paths: Sequence[str], folder: str) -> bool:
    """True when sorted `paths` has `folder` itself or anything below it."""
    at = bisect.bisect_left(paths, folder)
    below = bisect.bisect_left(paths, folder + "/", at)
    return (at < len(paths) and paths[at] == folder) or (
        below < len(paths) and paths[below].startswith(folder + "/")
    )


# folder -> the digests of the files below it (a folder input git vouched for, its files
# read back from git's index when one of them is edited)
FolderFiles = Callable[[str], dict[str, FileDigest]]


def index_folder_files(index: bytes) -> FolderFiles:
    """FolderFiles from git's index listing; LookupError for a folder it lists nothing below
    (the caller then hashes in full)."""

    def folder_files(folder: str) -> dict[str, FileDigest]:
        listed = indexed_below(index, folder)
        if not listed:
            raise LookupError(folder)
        return {p: git_digest(mode, blob) for p, (mode, blob) in listed.items()}

    return folder_files


def files_read(paths: Sequence[str], edited: Mapping[str, object]) -> list[str]:
    """Those of `edited` that inputs `paths` name, a path ending in a slash naming every
    file below that folder."""
    read = [p for p in paths if p in edited]
    folders = tuple(p for p in paths if p.endswith("/"))
    return read + [p for p in edited if p.startswith(folders)] if folders else read


def files_to_digest(
    graph: Graph, inputs: Mapping[Label, tuple[str, ...]], trees: Mapping[str, str]
) -> list[str]:
    """The input files whose digests the hashes need: all but those in folders known by
    git's tree id (unless a stage also reads them one by one), sorted."""
    if not trees:
        return sorted({path for paths in inputs.values() for path in paths})
    needed: set[str] = set()
    for label, paths in inputs.items():
        stage = graph.stages[label]
        groups, rest = group_by_folder(paths, folder_inputs(stage.package, stage.inputs))
        needed.update(rest)
        for folder, group in groups.items():
            if folder not in trees:
                needed.update(group)
    return sorted(needed)


def stage_entries(
    stage: Stage,
    paths: Sequence[str],
    digests: Mapping[str, FileDigest],
    trees: Mapping[str, str],
) -> tuple[dict[str, InputDigest], dict[str, PackedInputs]]:
    """A stage's input entries (each folder input by its tree id, other files by digest), and
    the files of the folders whose tree id was computed here."""
    folders = folder_inputs(stage.package, stage.inputs)
    if not folders:
        return {p: digests[p] for p in paths}, {}
    groups, rest = group_by_folder(paths, folders)
    entries: dict[str, InputDigest] = {p: digests[p] for p in rest}
    contents: dict[str, PackedInputs] = {}
    for folder, group in groups.items():
        if folder in trees:
            entries[folder + "/"] = TreeDigest(trees[folder])
        elif group:
            files = {p: digests[p] for p in group}
            entries[folder + "/"] = TreeDigest(tree_id(folder, files))
            contents[folder + "/"] = PackedInputs(files)
    return entries, contents


def edited_entries(
    stage: Stage,
    inputs: Mapping[str, InputDigest],
    contents: Mapping[str, PackedInputs],
    reads: Sequence[str],
    edited: Mapping[str, FileDigest],
    folder_files: FolderFiles,
) -> tuple[dict[str, InputDigest], dict[str, PackedInputs]]:
    """A stage's input entries after the files it reads in `reads` were edited (`inputs` and
    `contents`: its entries and its computed folders' files before): each folder holding one
    gets its tree id again, from its files as known before (a folder git vouched for: as
    `folder_files` lists them) with the edits in."""
    files: dict[str, InputDigest] = dict(inputs)
    known_files = dict(contents)
    folders = folder_inputs(stage.package, stage.inputs)
    groups, rest = group_by_folder(reads, folders)
    files.update({p: edited[p] for p in rest})
    for folder, changed in groups.items():
        if not changed:
            continue
        key = folder + "/"
        known: dict[str, FileDigest] = {}
        if key in known_files:
            known.update(known_files[key])  # type: ignore[arg-type]  # a folder's are files
        else:
            known.update(folder_files(folder))
        known.update({p: edited[p] for p in changed})
        files[key] = TreeDigest(tree_id(folder, known))
        known_files[key] = PackedInputs(known)
    return files, known_files

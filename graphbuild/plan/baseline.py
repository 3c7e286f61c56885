"""The baseline a plan compares with: the lock on disk, or the lock and tree at a git ref."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable, Mapping, Set
from pathlib import Path

import attrs

from graphbuild.analysis.commit import analyze_commit
from graphbuild.analysis.run import Analysis, analyze
from graphbuild.core.errors import BaselineError, GraphbuildError
from graphbuild.core.labels import Label
from graphbuild.hashing.lockfile import Lock, parse_lock
from graphbuild.hashing.packed import PackedInputs, TreeDigest
from graphbuild.hashing.stages import Hashes, StageRecord
from graphbuild.hashing.trees import git_digest, tree_id
from graphbuild.plan.compare import make_plan
from graphbuild.plan.entries import Plan
from graphbuild.plan.index_records import records_from_index
from graphbuild.state.kinds import PARSED_LOCK
from graphbuild.state.records import load_records, refresh_records, save_records
from graphbuild.state.store import Store
from graphbuild.tree.git import run_git
from graphbuild.tree.git_archive import extract
from graphbuild.tree.git_objects import Listing, TreeAsk, folder_trees_files, indexed_below


def repo_prefix(root: Path) -> str | None:
    """The workspace's path inside its git repository ('' at the top), or None outside git."""
    result = run_git(root, "rev-parse", "--show-prefix")
    return result.stdout.strip() if result.returncode == 0 else None


def head_revision(root: Path) -> str | None:
    """The commit checked out, when the workspace is in git."""
    result = run_git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    return result.stdout.strip() if result.returncode == 0 else None


def read_lock(root: Path, lock_path: str, store: Store) -> Lock:
    """The lock file on disk; an absent one is an empty baseline (everything is new)."""
    path = root / lock_path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Lock()
    except (OSError, UnicodeDecodeError) as err:
        raise BaselineError(f"cannot read the lock file: {err}", file=lock_path) from None
    return parse_lock_cached(store, text, lock_path)


def parse_lock_cached(store: Store, text: str, lock_path: str) -> Lock:
    """parse_lock, remembered by the SHA-256 of the text (TOML parsing of a 500-image lock
    costs a warm plan 0.15 s)."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    cached = store.get(PARSED_LOCK)
    if cached is not None and cached[:2] == (digest, lock_path):
        lock: Lock = cached[2]  # the kind's check says so
        return lock
    lock = parse_lock(text, lock_path)
    store.write(PARSED_LOCK, (digest, lock_path, lock))
    return lock


def lock_text_at(root: Path, ref: str, lock_path: str) -> str | None:
    """The lock file as committed at `ref`, or None when the ref has none."""
    prefix = repo_prefix(root)
    if prefix is None:
        raise BaselineError(f"--since {ref}: the workspace is not in a git repository")
    if run_git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise BaselineError(f"--since {ref}: unknown git revision")
    result = run_git(root, "show", f"{ref}:{prefix}{lock_path}")
    return result.stdout if result.returncode == 0 else None


def lock_at(root: Path, ref: str, lock_path: str) -> Lock:
    """The lock as committed at `ref` (empty when that commit had none)."""
    text = lock_text_at(root, ref, lock_path)
    return Lock() if text is None else parse_lock(text, f"{ref}:{lock_path}")


def records_at(root: Path, ref: str) -> dict[str, StageRecord]:
    """Stage records of the workspace as committed at `ref`, by hashing that tree afresh: from
    git's objects where they stand for a checkout of it, else from the extracted tree."""
    prefix = repo_prefix(root)
    if prefix is None:
        return {}
    try:
        analysis = analyze_commit(root, ref, prefix) or analyze_extracted(root, ref)
    except GraphbuildError:
        return {}  # the old tree was invalid: its changes stay unrecorded
    except OSError:
        return {}  # no room for its files (or git gone): records are only for the reasons
    return {r.hash: r for r in analysis.hashes.stages.values()} if analysis else {}


def analyze_extracted(root: Path, ref: str) -> Analysis | None:
    """The analysis of the workspace at `ref` from `git archive` of it, extracted as it streams
    (a repository of gigabytes is never held in memory); None when git cannot archive it."""
    with tempfile.TemporaryDirectory(prefix="graphbuild-baseline-") as temp:
        tree = Path(temp, "tree")
        if not extract(root, ref, tree):
            return None
        return analyze(tree, use_cache=False, use_git=False)


@attrs.frozen
class Baseline:
    """What a plan compares with: a lock, the stage records known for it, and its name."""

    lock: Lock
    records: Mapping[str, StageRecord]
    name: str


@attrs.frozen
class PlanResult:
    """A plan and the baseline it was made against."""

    plan: Plan
    baseline: Baseline


def baseline_for(analysis: Analysis, store: Store, since: str | None) -> Baseline:
    """The lock to compare with, the stage records known for it, and how to name it. Records
    are read only when some stage moved; those not stored are derived from git's index where
    that gives the lock's hashes (work-tree edits), else rebuilt from the commit's tree."""
    lock_path = analysis.workspace.settings.lock
    current = {r.hash for r in analysis.hashes.stages.values()}
    if since is not None:
        lock, name, ref = lock_at(analysis.root, since, lock_path), f"{lock_path} at {since}", since
    else:
        lock, name, ref = read_lock(analysis.root, lock_path, store), lock_path, None
    moved = set(lock.stages.values()) - current
    if not moved:
        return Baseline(lock, {}, name)
    records = load_records(store, moved)
    if moved - records.keys():
        records |= records_from_index(analysis, lock, moved - records.keys())
    if moved - records.keys():
        if ref is None and committed_lock(analysis.root, lock_path):
            ref = "HEAD"  # the lock is the committed one: its tree tells what it covered
        if ref is not None:
            records |= records_at(analysis.root, ref)
    return Baseline(lock, records, name)


def committed_lock(root: Path, lock_path: str) -> bool:
    """True when the lock on disk is the one committed at HEAD."""
    try:
        committed = lock_text_at(root, "HEAD", lock_path)
        return committed is not None and committed == (root / lock_path).read_text(encoding="utf-8")
    except (GraphbuildError, OSError):
        return False


def plan_for(
    analysis: Analysis, store: Store, since: str | None = None, remember: bool = False
) -> PlanResult:
    """The plan against the baseline (the lock, or the lock at `since`). When anything moved,
    the baseline's records are stored, so the next plan names its reasons without asking git
    (a clean plan needs none); the current stages' only when told to (`remember`: their hashes
    become the lock's), as until then the memo holds them."""
    baseline = baseline_for(analysis, store, since)
    hashes, records = with_folder_files(analysis, baseline)
    plan = make_plan(analysis.graph, hashes, baseline.lock, records)
    if remember:
        remember_records(store, analysis, baseline.records.values(), baseline.lock)
    elif plan.changed:
        save_records(store, baseline.records.values(), baseline.lock.stages.values())
    refresh_records(store, gained_files(analysis.hashes, hashes, baseline.records, records))
    return PlanResult(plan, baseline)


MAX_TREES_READ = 64  # folders whose files a plan asks git for; beyond, reasons name the folder


def with_folder_files(
    analysis: Analysis, baseline: Baseline
) -> tuple[Hashes, Mapping[str, StageRecord]]:
    """The current and baseline records with the files of each folder whose tree moved, read
    from git's object store where its tree id came from git (so reasons name the files)."""
    current = dict(analysis.hashes.stages)
    old_records = dict(baseline.records)
    moved = moved_folders(current, old_records, baseline.lock)
    asked = {
        (digest.tree, folder.rstrip("/"))
        for label, folder in moved
        for record in (current[label], old_records[baseline.lock.stages[str(label)]])
        if folder not in record.contents and isinstance(digest := record.inputs[folder], TreeDigest)
    }
    listed = indexed_trees(analysis.index, asked)
    unlisted = asked - listed.keys()
    listed |= folder_trees_files(analysis.root, unlisted) if unlisted else {}
    for label, folder in moved:
        old = old_records[baseline.lock.stages[str(label)]]
        old_records[old.hash] = filled(old, folder, listed)
        current[label] = filled(current[label], folder, listed)
    return attrs.evolve(analysis.hashes, stages=current), old_records


def indexed_trees(index: bytes | None, asked: Set[TreeAsk]) -> dict[TreeAsk, Listing]:
    """The asked trees git's index listing holds whole (the files it lists below the folder
    give that very tree id), read from it rather than from git's objects: a process for each
    level of folders cost a plan after ten edits 0.09 s."""
    found: dict[TreeAsk, Listing] = {}
    if index is None:
        return found
    for tree, folder in asked:
        files = indexed_below(index, folder)
        if files and tree_id(folder, {p: git_digest(*f) for p, f in files.items()}) == tree:
            found[(tree, folder)] = files
    return found


def gained_files(
    hashes: Hashes,
    filled_hashes: Hashes,
    records: Mapping[str, StageRecord],
    filled_records: Mapping[str, StageRecord],
) -> list[StageRecord]:
    """The current and baseline records with_folder_files filled."""
    current = [r for k, r in filled_hashes.stages.items() if r is not hashes.stages[k]]
    return current + [r for k, r in filled_records.items() if r is not records[k]]


def moved_folders(
    current: Mapping[Label, StageRecord], old_records: Mapping[str, StageRecord], lock: Lock
) -> list[tuple[Label, str]]:
    """(stage, folder) of each folder input known by git's tree id whose tree moved since the
    lock, up to MAX_TREES_READ trees in all (beyond, reasons name the folder)."""
    moved: list[tuple[Label, str]] = []
    for label, record in current.items():
        previous = lock.stages.get(str(label))
        old = old_records.get(previous) if previous and previous != record.hash else None
        if old is None:
            continue
        moved += [
            (label, folder)
            for folder, digest in record.inputs.items()
            if isinstance(digest, TreeDigest)
            and isinstance(old.inputs.get(folder), TreeDigest)
            and old.inputs[folder] != digest
            and (folder not in old.contents or folder not in record.contents)
        ]
    return moved[: MAX_TREES_READ // 2]


def filled(record: StageRecord, folder: str, listed: Mapping[TreeAsk, Listing]) -> StageRecord:
    """The record with the files of `folder` (a key ending in a slash) git listed."""
    digest = record.inputs[folder]
    if folder in record.contents or not isinstance(digest, TreeDigest):
        return record
    files = listed.get((digest.tree, folder.rstrip("/")))
    if files is None:
        return record
    found = {p: git_digest(mode, blob) for p, (mode, blob) in files.items()}
    return attrs.evolve(record, contents={**record.contents, folder: PackedInputs(found)})


def remember_records(
    store: Store, analysis: Analysis, extra: Iterable[StageRecord] = (), lock: Lock | None = None
) -> None:
    """Store the records of the current stages (and `extra` ones); keep those of the lock."""
    known = [*analysis.hashes.stages.values(), *extra]
    save_records(store, known, lock.stages.values() if lock is not None else ())

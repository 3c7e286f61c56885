"""The baseline a plan compares with: the lock on disk, or the lock and tree at a git ref."""

from __future__ import annotations

import hashlib
import subprocess
import tarfile
import tempfile
from pathlib import Path

from graphbuild.analysis.run import CACHE_DIR, Analysis, analyze
from graphbuild.core.errors import BaselineError, GraphbuildError
from graphbuild.hashing.lockfile import Lock, parse_lock
from graphbuild.hashing.stages import StageRecord
from graphbuild.plan.compare import Plan, make_plan
from graphbuild.state.records import load_records
from graphbuild.state.store import read_sealed, write_sealed


def git(root: Path, *args: str, binary: bool = False) -> subprocess.CompletedProcess:
    """Run git in `root`; never raises for git's own failures."""
    try:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=not binary, check=False
        )
    except OSError as err:
        raise BaselineError(f"cannot run git: {err.strerror}") from None


def repo_prefix(root: Path) -> str | None:
    """The workspace's path inside its git repository ('' at the top), or None outside git."""
    result = git(root, "rev-parse", "--show-prefix")
    return result.stdout.strip() if result.returncode == 0 else None


def head_revision(root: Path) -> str | None:
    """The commit checked out, when the workspace is in git."""
    result = git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    return result.stdout.strip() if result.returncode == 0 else None


LOCK_MEMO_FILE = "lock.v1.pickle"
LOCK_MEMO_MAGIC = "graphbuild-lock-1"


def read_lock(root: Path, lock_path: str) -> Lock:
    """The lock file on disk; an absent one is an empty baseline (everything is new)."""
    path = root / lock_path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Lock()
    except (OSError, UnicodeDecodeError) as err:
        raise BaselineError(f"cannot read the lock file: {err}", file=lock_path) from None
    return parse_lock_cached(root / CACHE_DIR, text, lock_path)


def parse_lock_cached(cache_dir: Path, text: str, lock_path: str) -> Lock:
    """parse_lock, remembered by the SHA-256 of the text (TOML parsing of a 500-image lock
    costs a warm plan 0.15 s)."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    cached = read_sealed(cache_dir / LOCK_MEMO_FILE, LOCK_MEMO_MAGIC)
    if isinstance(cached, tuple) and cached[:2] == (digest, lock_path):
        return cached[2]  # type: ignore[no-any-return]
    lock = parse_lock(text, lock_path)
    if cache_dir.is_dir():
        write_sealed(cache_dir / LOCK_MEMO_FILE, LOCK_MEMO_MAGIC, (digest, lock_path, lock))
    return lock


def lock_text_at(root: Path, ref: str, lock_path: str) -> str | None:
    """The lock file as committed at `ref`, or None when the ref has none."""
    prefix = repo_prefix(root)
    if prefix is None:
        raise BaselineError(f"--since {ref}: the workspace is not in a git repository")
    if git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise BaselineError(f"--since {ref}: unknown git revision")
    result = git(root, "show", f"{ref}:{prefix}{lock_path}")
    return result.stdout if result.returncode == 0 else None


def lock_at(root: Path, ref: str, lock_path: str) -> Lock:
    """The lock as committed at `ref` (empty when that commit had none)."""
    text = lock_text_at(root, ref, lock_path)
    return Lock() if text is None else parse_lock(text, f"{ref}:{lock_path}")


def records_at(root: Path, ref: str) -> dict[str, StageRecord]:
    """Stage records of the workspace as committed at `ref`, by hashing that tree afresh."""

    prefix = repo_prefix(root)
    if prefix is None:
        return {}
    archive = git(root, "archive", "--format=tar", ref, "--", prefix or ".", binary=True)
    if archive.returncode != 0:
        return {}
    with tempfile.TemporaryDirectory(prefix="graphbuild-baseline-") as temp:
        tar_path = Path(temp, "tree.tar")
        tar_path.write_bytes(archive.stdout)
        with tarfile.open(tar_path) as tar:
            tar.extractall(Path(temp, "tree"), filter="tar")
        try:
            analysis = analyze(Path(temp, "tree", prefix), use_cache=False, use_git=False)
        except GraphbuildError:
            return {}  # the old tree was invalid: its changes stay unrecorded
    return {r.hash: r for r in analysis.hashes.stages.values()}


def baseline_for(analysis: Analysis, since: str | None) -> tuple[Lock, dict[str, StageRecord], str]:
    """The lock to compare with, the stage records known for it, and how to name it. Records
    are read only when some stage moved; a fresh clone rebuilds them from git."""
    lock_path = analysis.workspace.settings.lock
    current = {r.hash for r in analysis.hashes.stages.values()}
    if since is not None:
        lock, name, ref = lock_at(analysis.root, since, lock_path), f"{lock_path} at {since}", since
    else:
        lock, name, ref = read_lock(analysis.root, lock_path), lock_path, None
    moved = set(lock.stages.values()) - current
    if not moved:
        return lock, {}, name
    records = load_records(analysis.root / CACHE_DIR, moved)
    if moved - records.keys():
        if ref is None and committed_lock(analysis.root, lock_path):
            ref = "HEAD"  # the lock is the committed one: its tree tells what it covered
        if ref is not None:
            records |= records_at(analysis.root, ref)
    return lock, records, name


def committed_lock(root: Path, lock_path: str) -> bool:
    """True when the lock on disk is the one committed at HEAD."""
    try:
        committed = lock_text_at(root, "HEAD", lock_path)
        return committed is not None and committed == (root / lock_path).read_text(encoding="utf-8")
    except (GraphbuildError, OSError):
        return False


def plan_for(
    analysis: Analysis, since: str | None = None
) -> tuple[Plan, Lock, dict[str, StageRecord], str]:
    """The plan against the baseline (the lock, or the lock at `since`), with that baseline,
    its stage records and its name."""
    lock, records, name = baseline_for(analysis, since)
    return make_plan(analysis.graph, analysis.hashes, lock, records), lock, records, name

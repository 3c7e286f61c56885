"""The last plan's output, and the last emit's, reused while nothing they read has moved: git's
view of the tree (its stamp), the lock on disk, the commit checked out, the options and
graphbuild's code; an emit's files besides must be on disk as it wrote them. A plan that asks
the engine or a registry is never kept: their answers are not in the key."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

import attrs

from graphbuild.analysis.start import Begun, begin, no_cycle_collection
from graphbuild.core.reading import read_bytes
from graphbuild.state.store import Codec, Kind, Store
from graphbuild.tree.git import start_git
from graphbuild.tree.git_start import GitRun, output


@attrs.frozen
class PlanOutput:
    """What a plan printed and returned, under the key of everything it read."""

    key: bytes
    stdout: str
    stderr: str
    code: int
    reused: bool = False  # the last plan printed it back (see reads_ahead)


@attrs.frozen
class EmitOutput:
    """What an emit wrote (each file's SHA-256, hex) and printed, under the key of everything
    it read."""

    key: bytes
    files: dict[str, str]
    committed: tuple[str, ...]  # the files a fresh clone needs: git must not ignore them
    stdout: str
    reused: bool = False  # the last emit reused it (see reads_ahead)


# graphbuild's classes, and their output depends on its code: read back only by the same code
PLAN_OUTPUT = Kind("plan-output", 1, Codec.DATA, PlanOutput, code_bound=True)
EMIT_OUTPUT = Kind("emit-output", 1, Codec.DATA, EmitOutput, code_bound=True)


def plan_key(stamp: bytes, lock: bytes | None, head: bytes, options: tuple[str, ...]) -> bytes:
    """The key of a plan over the tree `stamp` names, the lock file's bytes (None: absent), the
    commit checked out and the options that shape the output."""
    digest = hashlib.sha256(stamp)
    for part in (b"-" if lock is None else b"+" + lock, head, "\0".join(options).encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.digest()


@attrs.frozen(eq=False)
class ReuseKey:
    """The making of a plan's key: git's answer for the commit checked out, asked alongside
    the view's commands."""

    head: subprocess.Popen[bytes]

    @classmethod
    def start(cls, root: Path) -> ReuseKey:
        """Ask git for the commit checked out."""
        return cls(start_git(root, "rev-parse", "-q", "--verify", "HEAD"))

    def key(self, begun: Begun, *options: object) -> bytes | None:
        """The key of a plan over what `begun` read, with the options that shape its output and
        this machine's architecture (the base check depends on it); None without git's view
        or a readable lock."""
        commit = output(self.head) or b""
        if begun.view is None:
            return None
        try:
            lock: bytes | None = (begun.root / begun.root_file.settings.lock).read_bytes()
        except FileNotFoundError:
            lock = None
        except OSError:
            return None
        shown = (*(str(o) for o in options), platform.machine())
        return plan_key(begun.view.stamp, lock, commit, shown)


Output = TypeVar("Output", PlanOutput, EmitOutput)


@attrs.frozen
class Reusable(Generic[Output]):
    """git's view taken, the key of a command's output over it, and the output last stored
    (read while git's commands worked: only the key is compared once they are done)."""

    begun: Begun
    key: bytes | None
    last: Output | None


def begin_reusable(
    root: Path, store: Store, git: GitRun, kind: Kind, *options: object
) -> Reusable[Any]:
    """Take git's view, the key of a command's output with `options`, and the last output of
    `kind` stored; the memo is read while git works only when `reads_ahead` says so."""
    with no_cycle_collection():
        reuse = ReuseKey.start(root)
        last = store.get(kind)  # its code check hashes graphbuild's sources: 10 ms
        begun = begin(root, store, git, read_ahead=reads_ahead(last))
        return Reusable(begun, reuse.key(begun, *options), last)


def reads_ahead(last: PlanOutput | EmitOutput | None) -> bool:
    """Whether a run reads the memo while git works, betting on the last run's fate: after a
    run that reused its output, another reuse is likely, and a reused output needs no memo
    (read on the other core, it slows git's walk: a warm plan 0.05 s); otherwise the user is
    likely editing, and a plan after ten edits, which needs it, is 0.2 s sooner (500 images, 2
    cores). A wrong bet costs that once: each run records its fate (note_fate)."""
    return last is None or not last.reused


def note_fate(store: Store, kind: Kind, last: Output | None, reused: bool) -> None:
    """Record whether this run reused the last output (written only when that changes: a run
    that cannot store its own output, a file still moving, must still turn the bet)."""
    if last is not None and last.reused != reused:
        store.write(kind, attrs.evolve(last, reused=reused))


def recall(reusable: Reusable[PlanOutput]) -> PlanOutput | None:
    """The plan output last stored, if stored under the key of this one."""
    last, key = reusable.last, reusable.key
    return last if last is not None and key is not None and last.key == key else None


def remember(store: Store, output: PlanOutput) -> None:
    """Keep the output for the next plan over the same tree."""
    store.write(PLAN_OUTPUT, output)


def file_digests(files: Mapping[str, str | bytes]) -> dict[str, str]:
    """Each file's SHA-256 (hex), of its bytes as written."""
    return {
        path: hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()
        for path, text in files.items()
    }


def recall_emit(reusable: Reusable[EmitOutput], root: Path) -> EmitOutput | None:
    """The emit last stored, if stored under the key of this one and every file it wrote is on
    disk as it wrote it (one edited or removed by hand is written again)."""
    output, key = reusable.last, reusable.key
    if output is None or key is None or output.key != key:
        return None
    for path, digest in output.files.items():
        try:
            data = read_bytes(root / path)
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != digest:
            return None
    return output


def remember_emit(store: Store, output: EmitOutput) -> None:
    """Keep the emit for the next one over the same tree."""
    store.write(EMIT_OUTPUT, output)

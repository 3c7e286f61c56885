"""The first half of an analysis: the root file and git's view of the tree, enough for a caller
holding the view's stamp to stop there (it imports nothing of the later phases)."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from graphbuild.definition.load import RootFile, read_root, scan_exclusions
from graphbuild.hashing.file_digests import racy_cutoff
from graphbuild.state.store import Store
from graphbuild.tree.git_start import GitRun, start_view, stop_git
from graphbuild.tree.git_view import GitView, finish_git
from graphbuild.tree.walk import Entry

if TYPE_CHECKING:
    from graphbuild.analysis.memo import LoadedMemo


def settled(entries: Iterable[Entry]) -> bool:
    """False when a file changed so recently that it may change again within one mtime tick
    (files git vouched for carry mtime and ctime 0: git keeps its own watch on them)."""
    cutoff = racy_cutoff()
    return all(entry.mtime_ns < cutoff and entry.ctime_ns < cutoff for entry in entries)


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector: an analysis allocates millions of objects, nearly
    none in cycles, and each full collection walks all of them (20% of a cold plan)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Background:
    """The memo, read on a daemon thread while the main thread works (the reading is mostly
    json's C decoder, so the main thread is slowed little); a plan that may reuse its output
    starts it only when it cannot, as the reading slows git's walk on two cores."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._memo: LoadedMemo | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> None:
        """Start reading, unless started already."""
        if self._thread.ident is None:
            self._thread.start()

    def _read(self) -> None:
        try:
            from graphbuild.analysis.memo import load_git_memo  # the graph phase's classes

            self._memo = load_git_memo(self._store)
        except BaseException as err:  # raised again where the memo is wanted
            self._error = err

    def result(self) -> LoadedMemo | None:
        """The memo, once read (waits for it); the reading's exception raised here."""
        self.start()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._memo


@attrs.frozen(eq=False)
class Begun:
    """An analysis under way: the root file read, git's view taken (None without git), the
    memo being read."""

    root: Path
    store: Store
    root_file: RootFile
    view: GitView | None
    loading: Background | None

    @property
    def settled(self) -> bool:
        """False when git's view holds a file changed too recently to be trusted unchanged."""
        return self.view is not None and settled(self.view.changed.entries.values())

    def read_ahead(self) -> None:
        """Start reading the memo, if there is one to read and it has not started."""
        if self.loading is not None and self.view is not None:
            self.loading.start()

    def memo(self) -> LoadedMemo | None:
        """The memo of the last analysis from git's view."""
        if self.loading is None or self.view is None:
            return None
        return self.loading.result()


def start_git_view(root: Path, use_git: bool = True) -> GitRun | None:
    """Start git's commands for a view (None without git, or when told not to use it)."""
    return start_view(root) if use_git else None


def begin(root: Path, store: Store, run: GitRun | None, read_ahead: bool = True) -> Begun:
    """Read the root file, and start reading the memo unless told not to, while git's commands
    (`run`, already started) work; then take their view."""
    loading = None
    try:
        root_file = read_root(root)
        loading = Background(store) if run is not None else None
        if loading is not None and read_ahead:
            loading.start()
        first = store.is_empty()  # no memo to reuse: the files will be listed
        view = finish_git(root, run, scan_exclusions(root_file), list_early=first)
    except BaseException:
        stop_git(run)
        raise
    return Begun(root, store, root_file, view, loading)

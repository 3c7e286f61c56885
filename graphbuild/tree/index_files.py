"""The files an index listing names, as entries known by their object ids: listed apart from
git's status, so a first analysis lists them while status still walks the tree."""

from __future__ import annotations

from collections.abc import Callable, Set

import attrs

from graphbuild.definition.layout import BUILD_FILE
from graphbuild.tree.walk import SKIP_DIRS, Entry, Walk, hides_packages, new_entry

# a mode of `git ls-files -s` -> the file mode it stands for (a file or a symlink; the listing
# of a tree holding anything else, a submodule, is not used)
FILE_MODES = {"100644": 0o100644, "100755": 0o100755, "120000": 0o120000}
LINK_MODE = "120000"


@attrs.frozen(eq=False)
class IndexFiles:
    """The listing's files, each with what the scan keeps of it, before status says which of
    them git does not vouch for (those are left out when the scan is made)."""

    entries: dict[str, Entry]  # the files and their object ids (symlinks are in `links`)
    links: tuple[tuple[str, str, bool], ...]  # (path, name, hidden) of each symlink: lstat-ed
    # once status answered, as its target string is read from the link
    build_files: tuple[str, ...]  # BUILD.toml files outside hidden folders
    left_out: tuple[str, ...]  # files an exclusion leaves out

    def add_to(self, walk: Walk, skip: Set[str]) -> tuple[str, ...]:
        """Add the files not in `skip` to `walk` (which holds those stat-ed already); the files
        left out by an exclusion, `skip`'s left out."""
        entries = walk.entries
        if skip:
            entries.update((p, e) for p, e in self.entries.items() if p not in skip)
        else:
            entries.update(self.entries)
        for path, name, hidden in self.links:
            if path not in skip:
                walk.file(path, name, hidden, None)
        walk.build_files.extend(p for p in self.build_files if p not in skip)
        return tuple(p for p in self.left_out if p not in skip)


def list_index(index: bytes, is_excluded: Callable[[str, str], bool]) -> IndexFiles:
    """The files of a `git ls-files -s -v -z` listing (tag, mode, object id, stage, TAB, path,
    NUL), decoded once as a whole: a line at a time cost a first plan of 200,000 files
    0.2 s more."""
    entries: dict[str, Entry] = {}
    links: list[tuple[str, str, bool]] = []
    build_files: list[str] = []
    left_out: list[str] = []
    state: dict[str, tuple[bool, bool]] = {"": (False, False)}
    for line in index.decode("utf-8", "surrogateescape").split("\0"):
        tab = line.find("\t")
        mode = FILE_MODES.get(line[2:8]) if tab > 0 else None
        if mode is None:
            continue  # the end, or a submodule: its view is not used
        path = line[tab + 1 :]
        parent, _, name = path.rpartition("/")
        excluded, hidden = state.get(parent) or folder_state(state, parent, is_excluded)
        if excluded or is_excluded(name, path):
            left_out.append(path)
        elif mode == 0o120000:
            links.append((path, name, hidden))
        else:
            entries[path] = new_entry((-1, 0, 0, 0, mode, None, line[9 : tab - 2]))
            if name == BUILD_FILE and not hidden:
                build_files.append(path)
    return IndexFiles(entries, tuple(links), tuple(build_files), tuple(left_out))


def folder_state(
    state: dict[str, tuple[bool, bool]], path: str, is_excluded: Callable[[str, str], bool]
) -> tuple[bool, bool]:
    """Whether a folder is excluded (or below one) and whether it is hidden, memoised (a loop,
    not recursion: a tree may be thousands of folders deep)."""
    chain = []
    while path not in state:
        chain.append(path)
        path = path.rpartition("/")[0]
    excluded, hidden = state[path]
    for below in reversed(chain):
        name = below.rpartition("/")[2]
        excluded = excluded or name in SKIP_DIRS or is_excluded(name, below)
        hidden = hidden or hides_packages(name)
        state[below] = (excluded, hidden)
    return excluded, hidden

"""Each stage's input files, and the checks that keep its hash complete: no escapes, no
undeclared COPY source, no pattern that matches nothing."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping, Sequence

from graphbuild.core.errors import InputError, UnmatchedInput
from graphbuild.core.labels import Label, join
from graphbuild.core.model import Stage
from graphbuild.core.paths import leaves
from graphbuild.core.printable import printable
from graphbuild.graph.link import Graph
from graphbuild.tree.globs import link_targets, match_context, match_inputs
from graphbuild.tree.ignore import ignore_test
from graphbuild.tree.walk import Tree, in_git_dir


def git_dir_inputs(graph: Graph) -> list[str]:
    """The workspace-relative files inside `.git` folders that inputs name literally."""
    return [
        join(stage.package, pattern)
        for stage in graph.stages.values()
        for pattern in stage.inputs
        if in_git_dir(join(stage.package, pattern)) and not any(c in pattern for c in "*?[")
    ]


def resolve_inputs(graph: Graph, tree: Tree) -> dict[Label, tuple[str, ...]]:
    """Stage label → the sorted workspace-relative paths of its declared input files."""
    keeps = {p.path: sent(p.path, p.exclude) for p in graph.workspace.packages if p.exclude}
    return {
        label: stage_inputs(stage, tree, keeps.get(stage.package, everything))
        for label, stage in sorted(graph.stages.items())
    }


def everything(paths: list[str]) -> list[str]:
    """The filter of a package without exclude: every path."""
    return paths


def sent(package: str, exclude: Sequence[str]) -> Callable[[list[str]], list[str]]:
    """A filter keeping the paths Docker sends: those the package's exclude leaves in."""
    excluded = ignore_test(exclude)
    prefix = f"{package}/" if package else ""
    cut = len(prefix)
    return lambda paths: [p for p in paths if not (p.startswith(prefix) and excluded(p[cut:]))]


def stage_inputs(
    stage: Stage, tree: Tree, keep: Callable[[list[str]], list[str]] = everything
) -> tuple[str, ...]:
    """The files a stage declares, after checking them and its context sources (`keep`: what
    the package's exclude leaves in the build context)."""
    prefix = f"{stage.key}." if stage.key else ""
    files: set[str] = set()
    for i, pattern in enumerate(stage.inputs):
        key = f"{prefix}inputs[{i}]"
        every = match_inputs(tree, stage.package, pattern)
        matched = keep(every)
        if not matched:
            why = " that [package] exclude leaves in" if every else ""
            why += why_nothing(tree, stage.package, pattern)
            unexplained = UnmatchedInput if not why else InputError
            raise unexplained.at(stage, key, f"input {pattern!r} matches no file{why}")
        entries = tree.entries
        links = [path for path in matched if entries[path].link is not None]
        for path in links:
            check_link(tree, path, stage, key)
        check_utf8(matched, stage, key)
        files.update(matched)
        files.update(keep(link_targets(tree, links)))
    for step in stage.steps:
        for src in step.sources:
            if src.generated:  # written by emit and hashed by its text: not the tree's
                continue
            copied = match_context(tree, stage.package, src.path)
            copied = keep(copied + link_targets(tree, [p for p in copied if tree.entries[p].link]))
            shown = join(stage.package, src.path)
            if not copied:
                raise UnmatchedInput.at(
                    stage,
                    step.key,
                    f"{step.instruction} source {src.path!r} ({shown}) matches no file",
                )
            undeclared = sorted(set(copied) - files)
            if undeclared:
                more = f" and {len(undeclared) - 1} more" if len(undeclared) > 1 else ""
                raise InputError.at(
                    stage,
                    step.key,
                    f"{step.instruction} source {src.path!r} copies "
                    f"{printable(undeclared[0])}{more}, which "
                    f"{'is' if len(undeclared) == 1 else 'are'} not among the stage's inputs "
                    "(declare them in inputs so the hash covers them)",
                )
    return tuple(sorted(files))


def check_utf8(paths: list[str], stage: Stage, key: str) -> None:
    """Inputs' names must be UTF-8: the hash and the emitted files are UTF-8 text (checked
    all at once; the first that is not is named)."""
    try:
        "\0".join(paths).encode("utf-8")
    except UnicodeEncodeError:
        path = next(p for p in paths if not encodes(p))
        raise InputError.at(
            stage, key, f"input {printable(path)}: its file name is not UTF-8: rename it"
        ) from None


def encodes(path: str) -> bool:
    """Whether the path encodes as UTF-8."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def why_nothing(tree: Tree, package: str, pattern: str) -> str:
    """A hint when a pattern matched nothing: the path is unreadable or in another package."""
    full = join(package, pattern)
    for path, problem in tree.problems.items():
        if path == full or path.startswith(full.rstrip("/") + "/"):
            return f" ({path}: {problem})"
    owned_elsewhere = [p for p in match_context(tree, package, pattern) if "*" not in pattern]
    if owned_elsewhere:
        return f" in this package ({owned_elsewhere[0]} belongs to a nested package)"
    return ""


def check_link(tree: Tree, path: str, stage: Stage, key: str) -> None:
    """A symlink input must point at a path inside the workspace."""
    target = tree.entries[path].link
    if target is None:
        return
    if leaves(posixpath.join(posixpath.dirname(path), target)):
        raise InputError.at(
            stage,
            key,
            f"input {path} is a symlink to {target!r}, outside the workspace",
        )


def all_input_files(inputs: Mapping[Label, tuple[str, ...]]) -> list[str]:
    """The union of every stage's input files, sorted."""
    return sorted({path for paths in inputs.values() for path in paths})

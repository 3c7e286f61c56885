"""`graphbuild init`: BUILD.toml files for an existing uv workspace, written all or none."""

from __future__ import annotations

import argparse
from pathlib import Path

from graphbuild.analysis.run import analyze
from graphbuild.cli.common import EXIT_OK
from graphbuild.core.errors import GraphbuildError
from graphbuild.core.writes import write_checked
from graphbuild.definition.init_workspace import Wiring, plan_init
from graphbuild.definition.layout import BUILD_FILE
from graphbuild.definition.lockfiles import load_locked_workspace
from graphbuild.definition.sources import read_text
from graphbuild.importer.stages import safe_name
from graphbuild.tree.walk import scan_workspace

SKIPPED = ("**/node_modules", "**/.venv", "**/__pycache__")
SEARCH_DEPTH = 3  # how deep below the current folder a uv workspace is looked for


def run_init(args: argparse.Namespace) -> int:
    """Write a BUILD.toml for each deployable member (and the root one if there is none),
    check the result loads, and say per member what was done and why; nothing stays on any
    error."""
    root = Path(args.directory).resolve()
    name = safe_name(root.name)  # the repository's name, also for a workspace in a subfolder
    if not is_uv_root(root):
        below = find_below(root)
        if len(below) == 1:
            root = below[0]
            print(f"found the uv workspace in {root.relative_to(Path(args.directory).resolve())}/")
        elif below:
            shown = ", ".join(str(p.relative_to(root)) for p in below)
            raise GraphbuildError(f"several uv workspaces below here ({shown}): run init in one")
    scan = scan_workspace(root, SKIPPED)
    files = list(scan.entries)
    uv = load_locked_workspace(lambda path: read_text(root, path), files)
    if uv is None:
        return no_workspace(files)
    wiring = existing_wiring(root) if (root / BUILD_FILE).exists() else None
    try:
        plan = plan_init(
            uv, files, scan.build_files, wiring, name,
            lambda path: read_text(root, path),
        )  # fmt: skip
    except ValueError as err:
        raise GraphbuildError(str(err), file="uv.lock") from None
    write_checked(root, plan.files, lambda: analyze(root, use_cache=False))
    print(f"images use {plan.python}")
    for choice in plan.choices:
        done = f"wrote {choice.wrote}" if choice.wrote else "left alone"
        print(f"{choice.folder}: {done}: {choice.why}")
    where = "" if root == Path(args.directory).resolve() else f"cd {root.name} && "
    for item in plan.todo:
        print(f"next: {item}")
    if any(c.wrote for c in plan.choices):
        print(f"next: {where}graphbuild emit && graphbuild lint && graphbuild build")
    return EXIT_OK


def is_uv_root(folder: Path) -> bool:
    """Whether `folder` holds a uv workspace or project (a pyproject.toml beside a uv.lock)."""
    return (folder / "pyproject.toml").is_file() and (folder / "uv.lock").is_file()


def find_below(root: Path) -> list[Path]:
    """The uv workspaces in folders below `root`, shallowest first (none inside another)."""
    level = [root]
    for _ in range(SEARCH_DEPTH):
        level = [
            child
            for folder in level
            for child in sorted(folder.iterdir())
            if child.is_dir() and not child.is_symlink() and not child.name.startswith(".")
            and child.name not in ("node_modules", "build", "dist")
        ]  # fmt: skip
        hits = [f for f in level if is_uv_root(f)]
        if hits:
            return hits
    return []


def no_workspace(files: list[str]) -> int:
    """What to do without a uv workspace: import the Dockerfiles, or the error."""
    dockerfiles = sorted(f for f in files if f.rsplit("/", 1)[-1].startswith("Dockerfile"))
    if not dockerfiles:
        raise GraphbuildError(
            "no uv workspace here: init reads a root pyproject.toml with [tool.uv.workspace]"
            " (or a project) and its uv.lock"
        )
    found = f"{len(dockerfiles)} Dockerfile{'s' if len(dockerfiles) > 1 else ''}"
    print(f"no uv workspace here, and {found}: import each with")
    for path in dockerfiles:
        print(f"  graphbuild import {path}")
    return EXIT_OK


def existing_wiring(root: Path) -> Wiring:
    """The interpreters and uv an existing workspace declares (their rules say so), for new
    members to name."""
    from graphbuild.analysis.load import build_graph, load_workspace

    graph = build_graph(load_workspace(root))
    facts = sorted(graph.facts.items(), key=lambda item: str(item[0]))
    pythons = {f.interpreter.version: str(label) for label, f in facts if f.interpreter}
    uv = [str(label) for label, f in facts if f.uv_path is not None]
    if not pythons or not uv:
        missing = "python_interpreter" if not pythons else "uv_installer"
        raise GraphbuildError(
            f"{BUILD_FILE} declares no {missing} target for the new images to use: add one"
        )
    return Wiring(dict(sorted(pythons.items())), uv[0])

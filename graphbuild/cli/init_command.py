"""`graphbuild init`: BUILD.toml files for an existing uv workspace, written all or none."""

from __future__ import annotations

import argparse
from pathlib import Path

from graphbuild.analysis.run import analyze
from graphbuild.cli.common import EXIT_OK
from graphbuild.core.errors import GraphbuildError
from graphbuild.core.writes import write_atomic
from graphbuild.definition.init_workspace import Wiring, plan_init
from graphbuild.definition.layout import BUILD_FILE
from graphbuild.definition.load import read_text
from graphbuild.definition.uv_workspace import load_uv_workspace
from graphbuild.importer.stages import safe_name
from graphbuild.tree.walk import scan_workspace


def run_init(args: argparse.Namespace) -> int:
    """Write a BUILD.toml for each member with an entry point (and the root one if there is
    none), check the result loads, and say what was done; nothing stays on any error."""
    root = Path(args.directory).resolve()
    scan = scan_workspace(root, ("**/node_modules", "**/.venv", "**/__pycache__"))
    files = list(scan.entries)
    uv = load_uv_workspace(lambda path: read_text(root, path), files)
    if uv is None:
        dockerfiles = sorted(f for f in files if f.rsplit("/", 1)[-1].startswith("Dockerfile"))
        if dockerfiles:
            found = f"{len(dockerfiles)} Dockerfile{'s' if len(dockerfiles) > 1 else ''}"
            print(f"no uv workspace here, and {found}: import each with")
            for path in dockerfiles:
                print(f"  graphbuild import {path}")
            return EXIT_OK
        raise GraphbuildError(
            "no uv workspace here: init reads a root pyproject.toml with [tool.uv.workspace]"
        )
    wiring = existing_wiring(root) if (root / BUILD_FILE).exists() else None
    try:
        plan = plan_init(uv, files, scan.build_files, wiring, safe_name(root.name))
    except ValueError as err:
        raise GraphbuildError(str(err), file="uv.lock") from None
    written: list[Path] = []
    try:
        for path, text in plan.files.items():
            target = root / path
            write_atomic(target, text)
            written.append(target)
        analyze(root, use_cache=False)
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
        raise
    for path in plan.files:
        print(f"wrote {path}")
    for folder, why in plan.skipped:
        print(f"left {folder} alone: {why}")
    if plan.files:
        print("next: graphbuild emit && graphbuild build (a compiled dependency may need"
              " build_packages and runtime_packages on its app)")  # fmt: skip
    return EXIT_OK


def existing_wiring(root: Path) -> Wiring:
    """The interpreters and uv an existing workspace declares, for new members to name."""
    from graphbuild.analysis.load import load_workspace

    workspace = load_workspace(root)
    pythons = {
        str(t.config["version"]): str(t.label)
        for t in workspace.targets
        if t.rule == "python_interpreter" and t.config.get("version")
    }
    uv = [str(t.label) for t in workspace.targets if t.rule == "uv_installer"]
    if not pythons or not uv:
        missing = "python_interpreter" if not pythons else "uv_installer"
        raise GraphbuildError(
            f"{BUILD_FILE} declares no {missing} target for the new images to use: add one"
        )
    return Wiring(dict(sorted(pythons.items())), uv[0])

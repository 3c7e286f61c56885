"""Files of a commit as a checkout writes them, from `git archive` (which applies the
attributes a checkout applies), extracted as the archive streams."""

from __future__ import annotations

import tarfile
from collections.abc import Sequence
from pathlib import Path

from graphbuild.tree.git import start_git


def extract(root: Path, ref: str, folder: Path, paths: Sequence[str] = (".",)) -> bool:
    """Extract `paths` (relative to `root`; git archive run in a workspace's folder archives
    that folder alone) of commit `ref` into `folder`, never holding the archive in memory;
    False when git cannot archive them."""
    specs = [p if p == "." else f":(literal){p}" for p in paths]
    with start_git(root, "archive", "--format=tar", ref, "--", *specs) as archive:
        assert archive.stdout is not None
        try:
            with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
                tar.extractall(folder, filter="tar")
            archive.stdout.read()  # the padding after the last member: git then ends well
        except (tarfile.TarError, OSError):
            return False
    return archive.returncode == 0

"""Lint check GB701: in a reproducible workspace, the steps whose result depends on when they
run, because they read the network unpinned (a live apt mirror, a package index without
hashes, a download without a checksum)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphbuild.core.model import Stage
from graphbuild.graph.link import Graph
from graphbuild.lint.catalog import Finding, finding
from graphbuild.lint.checks import from_chain, text

APT_RE = re.compile(r"\bapt(?:-get)?\s+(?:-\S+\s+)*(update|upgrade|install|dist-upgrade)\b")
PIP_RE = re.compile(r"\b(?:pip3?|uv\s+pip)\s+(install|wheel|download)\b")
# curl or wget run as a command (not a package name in an apt-get install)
DOWNLOAD_RE = re.compile(r"(?:^RUN(?:\s+--\S+)*|&&|;|\|\|?|\()\s*(curl|wget)\s")


def apt_pinned(graph: Graph, stage: Stage) -> bool:
    """True when the stage is built on a distro base pinned to a Debian snapshot."""
    for ancestor in from_chain(graph, stage.label):
        distro = graph.facts[ancestor.label.target].distro
        if distro is not None and distro.snapshot:
            return True
    return False


def unpinned_reads(graph: Graph, stage: Stage, command: str) -> Iterator[str]:
    """Why one RUN command's result depends on when it runs (nothing when it does not)."""
    if APT_RE.search(command) and not apt_pinned(graph, stage):
        yield (
            "apt reads the Debian mirror as it is at build time; pin the distro_base to a "
            'snapshot (snapshot = "…", suite = "…")'
        )
    if (match := PIP_RE.search(command)) and not re.search(r"--require-hashes|--no-index", command):
        yield (
            f"pip {match.group(1)} resolves from the package index at build time; pin every "
            "requirement with --hash and pass --require-hashes"
        )
    if (match := DOWNLOAD_RE.search(command)) and "sha256sum -c" not in command:
        yield f"{match.group(1)} downloads without checking a digest (sha256sum -c)"


def check_reproducible(graph: Graph) -> Iterator[Finding]:
    """GB701: a step that reads the network unpinned, in a workspace with reproducible = true."""
    if not graph.workspace.settings.reproducible:
        return
    for stage in graph.stages.values():
        for step in stage.steps:
            if step.instruction != "RUN":
                continue
            for why in unpinned_reads(graph, stage, text(stage, step)):
                yield finding("GB701", stage, step.key, f"not reproducible: {why}")

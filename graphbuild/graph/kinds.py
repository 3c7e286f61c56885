"""The names the command line takes for graph questions: diagram formats and query kinds (kept
apart from the code that answers them, so the parser knows them without importing it)."""

from __future__ import annotations

import enum


class DiagramFormat(enum.StrEnum):
    """How `graphbuild graph` draws the DAG."""

    DOT = "dot"  # Graphviz
    MERMAID = "mermaid"  # a Mermaid flowchart, for Markdown
    JSON = "json"  # nodes and edges, for machines


class QueryKind(enum.StrEnum):
    """What `graphbuild query` asks."""

    DEPS = "deps"  # everything a label is built on
    RDEPS = "rdeps"  # everything built on a label
    PATH = "path"  # a dependency chain from one label down to another

    @property
    def labels(self) -> int:
        """How many labels the question takes."""
        return 2 if self is QueryKind.PATH else 1

"""Run the rules, the graph and the lint checks on an in-memory workspace: BUILD.toml texts
(and uv files) by path, no folder, no CLI, no hashing of files (as Pants' RuleRunner and
buildx's in-memory bake files). Copy a test of tests/test_rule_runner.py to start one."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import attrs

from graphbuild.core.labels import Label, parse_label
from graphbuild.core.model import Expansion, Src, Stage, Workspace
from graphbuild.definition.load import load_packages, read_root_file
from graphbuild.definition.sources import MemoryFiles
from graphbuild.graph.link import Graph, link
from graphbuild.lint import lint
from graphbuild.lint.catalog import Finding
from graphbuild.rules.registry import expand_all, installed_rules

ROOT = '[workspace]\nname = "test"\n'


@attrs.frozen
class RuleRunner:
    """A workspace given as texts: `files` maps workspace-relative paths to their text (a
    missing root BUILD.toml gets a bare [workspace]); text is dedented."""

    files: Mapping[str, str]

    @classmethod
    def of(cls, build_toml: str, more: Mapping[str, str] | None = None) -> RuleRunner:
        """A workspace of one root BUILD.toml (a [workspace] table is added when it has none)
        and the files of `more` (path -> text); every text dedented."""
        text = textwrap.dedent(build_toml)
        if "[workspace]" not in text:
            text = ROOT + text
        files = {path: textwrap.dedent(t) for path, t in (more or {}).items()}
        return cls({"BUILD.toml": text, **files})

    def workspace(self) -> Workspace:
        """The loaded workspace: every BUILD.toml checked against its rule's keys."""
        source = MemoryFiles(self.files)
        root = read_root_file(source)
        build_files = tuple(sorted(p for p in self.files if p.rpartition("/")[2] == "BUILD.toml"))
        return load_packages(source, root, build_files, (), installed_rules(), self.files)

    def expansions(self) -> dict[Label, Expansion]:
        """Every target expanded by its rule, by label."""
        return {e.target.label: e for e in expand_all(self.workspace())}

    def expand(self, label: str) -> Expansion:
        """One target's expansion (`//pkg:name` or `:name` at the root)."""
        return self.expansions()[parse_label(label, "")]

    def graph(self) -> Graph:
        """The checked DAG of every stage."""
        workspace = self.workspace()
        return link(workspace, expand_all(workspace))

    def stage(self, label: str) -> Stage:
        """One stage of the graph."""
        return self.graph().stages[parse_label(label, "")]

    def steps(self, label: str) -> list[str]:
        """One stage's steps as text: references as their labels (`//pkg:t#stage`, `@name`),
        sources as package-relative paths (emit names and places them later)."""
        return [
            "".join(p.path if isinstance(p, Src) else str(p) for p in step.parts)
            for step in self.stage(label).steps
        ]

    def lint(self, *ids: str) -> list[Finding]:
        """The lint findings (only those of the check ids given, if any)."""
        found = lint(self.graph())
        return [f for f in found if not ids or f.id in ids]

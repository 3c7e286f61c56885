"""The rule API: a team's own rule installed as a distribution is found through the entry-point
group and used like a built-in one; keys are checked from their declarations."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from graphbuild.rules import registry
from tests.support import run

RULE_MODULE = '''
"""A team's rule: a static file server on a distro base."""

import attrs

from graphbuild.core.model import Expansion
from graphbuild.definition.fields import ValueType, option
from graphbuild.rules.api import Rule
from graphbuild.rules.builder import StageBuilder


@attrs.frozen
class Static:
    base: str = option(ValueType.STR, "The distro_base to serve from.", required=True,
                       label_of=("distro_base",))
    files: tuple = option(ValueType.STR_LIST, "The files to serve.", required=True,
                          input_paths=True)
    port: str = option(ValueType.STR, "The port.", default="8080", choices=("8080", "9090"))


def expand(target, config, context):
    spec = StageBuilder(target, None, config.base)
    spec.inputs += list(config.files)
    spec.copy("files", config.files, "/srv/")
    spec.instruction("port", "EXPOSE", config.port)
    stage = spec.build(context.settings)
    return Expansion(target=target, stages=(stage,), output=stage.label)


RULE = Rule(name="static_site", doc="Static files on a base.", config=Static, expand=expand,
            image_default=True)
'''

WORKSPACE = """\
[workspace]
name = "team"

[[target]]
name = "os"
rule = "distro_base"
from = "scratch"
refresh = "2026-11-23"

[[target]]
name = "raw"
rule = "stages"
from = "scratch"

[[target]]
name = "site"
rule = "static_site"
base = ":os"
files = ["index.html"]
"""


@pytest.fixture
def team_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A distribution `team-rules` with one module and its entry point, on sys.path."""
    site = tmp_path / "site-packages"
    site.mkdir()
    (site / "team_rules.py").write_text(RULE_MODULE)
    info = site / "team_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: team-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[graphbuild.rules]\nstatic_site = team_rules:RULE\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "team_rules", raising=False)  # each test has its own copy
    registry.installed_rules.cache_clear()
    yield site
    registry.installed_rules.cache_clear()


def workspace_with(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "BUILD.toml").write_text(text)
    (root / "index.html").write_text("<p>hi</p>\n")
    return root


def test_a_rule_from_an_installed_distribution_builds_like_a_built_in(
    team_rule: Path, tmp_path: Path
):
    root = workspace_with(tmp_path, WORKSPACE)
    assert run("emit", cwd=root).code == 0
    dockerfile = (root / "build/Dockerfile").read_text()
    assert "COPY index.html /srv/\nEXPOSE 8080\n" in dockerfile
    plan = json.loads(run("plan", "--format", "json", cwd=root).out)
    assert [t["label"] for t in plan["targets"] if t["kind"] == "image"] == ["//:site"]
    schema = json.loads(run("schema", cwd=root).out)
    targets = schema["properties"]["target"]["items"]["oneOf"]
    site = next(t for t in targets if t["properties"]["rule"]["const"] == "static_site")
    assert site["properties"]["port"]["enum"] == ["8080", "9090"]
    assert site["properties"]["base"]["description"] == "The distro_base to serve from."


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'files = ["index.html"]',
            'files = ["index.html"]\nport = "80"',
            "BUILD.toml:20: //:site: port: unknown port '80' (one of: 8080, 9090)",
        ),
        (
            'files = ["index.html"]',
            'files = ["../etc/passwd"]',
            "BUILD.toml:19: //:site: files[0]: input '../etc/passwd' escapes the package folder "
            "('..' is not allowed)",
        ),
        (
            'base = ":os"',
            'base = ":raw"',
            "BUILD.toml:18: //:site: base: //:raw is a stages target; expected a distro_base",
        ),
    ],
)
def test_declared_keys_are_checked_generically(
    team_rule: Path, tmp_path: Path, old: str, new: str, message: str
):
    root = workspace_with(tmp_path, WORKSPACE.replace(old, new))
    result = run("plan", cwd=root)
    assert (result.code, result.err) == (2, f"graphbuild: error: {message}\n")


def test_a_broken_entry_point_is_one_clear_error(tmp_path: Path, monkeypatch):
    site = tmp_path / "site-packages"
    info = site / "broken-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        textwrap.dedent("""\
        [graphbuild.rules]
        stages = no_such_module:RULE
        """)
    )
    monkeypatch.syspath_prepend(str(site))
    registry.installed_rules.cache_clear()
    try:
        result = run("plan", cwd=workspace_with(tmp_path, WORKSPACE))
    finally:
        registry.installed_rules.cache_clear()
    assert result.code == 2
    assert result.err == (
        "graphbuild: error: entry point stages = 'no_such_module:RULE' (graphbuild.rules): "
        "a rule named 'stages' exists already\n"
    )


def test_memos_are_bound_to_the_installed_rules_code_too(team_rule: Path):
    """A memo holds the graph a rule expanded: a new version of a team's rule must not reuse it."""
    from graphbuild.state import fingerprint as store

    store.code_fingerprint.cache_clear()
    try:
        before = store.code_fingerprint()
        assert store.rule_packages() == [team_rule / "team_rules.py"]
        with open(team_rule / "team_rules.py", "a") as handle:
            handle.write("# a new version\n")
        store.code_fingerprint.cache_clear()
        assert store.code_fingerprint() != before
    finally:
        store.code_fingerprint.cache_clear()


def test_built_steps_are_what_parsing_their_text_would_give():
    """Rules build steps as data; parsing each step's text back gives the very same Step (so
    hashes, lint and emit cannot tell the two ways apart)."""
    from graphbuild.analysis.load import build_graph, load_workspace
    from graphbuild.core.model import Ref, Src
    from graphbuild.core.steps import parse_step
    from tests.support import FIXTURES, REPO

    def text(parts) -> str:
        return "".join(
            str(p) if isinstance(p, Ref) else json.dumps(p.path) if isinstance(p, Src) and p.quoted
            else p.path if isinstance(p, Src) else p
            for p in parts
        )  # fmt: skip

    checked = 0
    for root in (REPO, FIXTURES / "workspaces/rules_python"):
        graph = build_graph(load_workspace(root))
        for stage in graph.stages.values():
            if graph.targets[stage.label.target].rule == "stages":
                continue
            for step in stage.steps:
                again = parse_step(
                    text(step.parts), stage.package, file="f", label="l", key=step.key
                )
                if any(isinstance(p, Src) and p.generated for p in step.parts):
                    continue  # a lock slice: the text cannot say it is graphbuild's own file
                assert again == step
                checked += 1
    assert checked > 50


TEAM_PYTHON = '''
"""A team's interpreter rule: a prebuilt Python of its own, published as an interpreter."""

import attrs

from graphbuild.core.facts import Facts, Interpreter
from graphbuild.core.model import Expansion
from graphbuild.definition.fields import ValueType, option
from graphbuild.rules.api import Rule
from graphbuild.rules.builder import StageBuilder


@attrs.frozen
class TeamPython:
    version: str = option(ValueType.STR, "X.Y", required=True)


def expand(target, config, context):
    stage = StageBuilder(target, None, "scratch").instruction("v", "ENV", f"PY={config.version}")
    built = stage.build(context.settings)
    facts = Facts(interpreter=Interpreter(config.version))
    return Expansion(target=target, stages=(built,), output=built.label, facts=facts)


RULE = Rule(name="team_python", doc="A team's Python.", config=TeamPython, expand=expand)
'''


def test_lint_counts_the_interpreters_a_teams_rule_publishes(team_rule: Path, tmp_path: Path):
    (team_rule / "team_python.py").write_text(TEAM_PYTHON)
    entry_points = team_rule / "team_rules-1.0.dist-info/entry_points.txt"
    entry_points.write_text(entry_points.read_text() + "team_python = team_python:RULE\n")
    sys.modules.pop("team_python", None)
    pythons = "".join(
        f'\n[[target]]\nname = "py{v}"\nrule = "team_python"\nversion = "3.{v}"\n'
        for v in (10, 11, 12, 13)
    )
    root = workspace_with(tmp_path, '[workspace]\nname = "team"\n' + pythons)
    result = run("lint", "--format", "json", cwd=root)
    found = [f for f in json.loads(result.out)["findings"] if f["id"] == "GB501"]
    assert [f["message"] for f in found] == ["4 Python versions: 3.10, 3.11, 3.12, 3.13"]

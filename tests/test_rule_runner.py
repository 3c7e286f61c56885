"""Rules, keys and lint checks tried on in-memory snippets through tests/support/rule_runner:
the shape to copy for a new rule, key or check (no fixture folder, no CLI)."""

from __future__ import annotations

import pytest

from graphbuild.core.errors import LoadError
from tests.support.rule_runner import RuleRunner

DIGEST = "d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c"
BASE = f"""
[external.debian]
image = "debian:bookworm-slim@sha256:{DIGEST}"

[[target]]
name = "os"
rule = "distro_base"
from = "@debian"
refresh = "2026-11-23"

[[target]]
name = "python"
rule = "python_interpreter"
method = "distro"
base = ":os"
version = "3.11"
"""

APP = (
    BASE
    + """
[[target]]
name = "app"
rule = "python_app"
python = ":python"
requirements = ["requirements.txt"]
src = ["src/"]
cmd = ["python", "-m", "app"]
"""
)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("user", '"Root"', "invalid user name 'Root'"),
        ("uid", "0", "use a fixed uid of 1000 or more (0 is root)"),
        ("workdir", '"app"', "expected an absolute path, got 'app'"),
        ("healthcheck_interval", '"30"', "expected a duration like 30s"),
        ("expose", '[8000, "53/icmp"]', "invalid port '53/icmp'"),
        ("tests", '["tests/", "my tests/"]', "invalid path 'my tests/'"),
    ],
)  # fmt: skip
def test_a_python_app_key_is_checked_by_its_field(key: str, value: str, message: str):
    runner = RuleRunner.of(APP + f"{key} = {value}\n")
    with pytest.raises(LoadError) as caught:
        runner.expansions()
    where = f"{key}[1]" if value.startswith("[") else key
    assert (caught.value.key, caught.value.message) == (where, message)
    assert caught.value.label == "//:app"


def test_a_matrix_value_is_checked_once_it_is_in():
    variants = 'name = "app"\nmatrix = { u = ["svc", "9x"] }\nuser = "{{u}}"'
    runner = RuleRunner.of(APP.replace('name = "app"', variants))
    with pytest.raises(LoadError) as caught:
        runner.expansions()
    assert (caught.value.label, caught.value.key) == ("//:app@9x", "user")


DEV = '[[target]]\nname = "dev"\nrule = "python_dev"\napp = ":app"\n'


def test_the_dev_image_puts_its_tools_before_the_app_s_venv_and_files():
    """An edit of the app's source, lock or libraries re-runs the dev image's copies after its
    tools, never the tools' install: the app's runtime steps are repeated after them."""
    runner = RuleRunner.of(
        APP.replace('src = ["src/"]', 'src = ["src/"]\nruntime_packages = ["libpq5"]') + DEV
    )
    dependencies = runner.stage("//:app#dependencies")
    assert runner.stage("//:dev").parent == dependencies.parent  # //:app#runtime-base
    steps = runner.steps("//:dev")
    assert steps[0] == "USER root"
    assert "apt-get install -y --no-install-recommends curl less procps strace" in steps[1]
    assert steps[2:-1] == runner.steps("//:app#dependencies")  # libpq5, the venv, ENV…, USER
    assert any(s.startswith("COPY --from=//:app#builder /opt/venv") for s in steps[2:-1])
    assert steps[-1] == "COPY src/ /app/"  # as the app copies it
    assert runner.stage("//:dev").inputs == ("src/",)


def test_a_dev_image_with_another_uid_switches_to_it_after_the_app_s_runtime():
    runner = RuleRunner.of(APP + DEV + "uid = 20000\n")
    steps = runner.steps("//:dev")
    assert steps[-3:] == ['CMD ["python", "-m", "app"]', "USER 20000:20000", "COPY src/ /app/"]
    assert "USER 20000:20000" not in runner.steps("//:app#dependencies")


def test_a_dev_image_in_another_package_than_its_app_is_built_on_the_app():
    """The app's src is its own package's context paths: FROM the app image, as before."""
    runner = RuleRunner.of(
        APP, {"tools/BUILD.toml": '[[target]]\nname = "dev"\nrule = "python_dev"\napp = "//:app"\n'}
    )
    assert str(runner.stage("//tools:dev").parent) == "//:app"
    assert not [s for s in runner.steps("//tools:dev") if s.startswith("COPY")]


def test_versions_is_a_matrix_of_interpreters():
    runner = RuleRunner.of(BASE.replace('version = "3.11"', 'versions = ["3.11", "3.13"]'))
    found = {str(label): e.facts.interpreter for label, e in runner.expansions().items()}
    assert [(label, i.version) for label, i in found.items() if i] == [
        ("//:python@3.11", "3.11"), ("//:python@3.13", "3.13"),
    ]  # fmt: skip


def test_the_app_copies_its_source_last():
    runner = RuleRunner.of(APP)
    assert runner.steps("//:app") == ["COPY src/ /app/"]
    assert str(runner.stage("//:app").parent) == "//:app#dependencies"
    dependencies = runner.steps("//:app#dependencies")
    assert any(s.startswith("COPY --from=//:app#builder") for s in dependencies)
    assert dependencies[-1].startswith("CMD")


def test_a_lint_check_on_a_snippet():
    runner = RuleRunner.of(
        BASE
        + """
        [[target]]
        name = "tool"
        rule = "stages"
        from = ":os"
        steps = ["RUN apt-get install -y gcc"]
        image = true
        """
    )
    found = runner.lint("GB201", "GB601")
    assert sorted((f.id, f.label) for f in found) == [("GB201", "//:tool"), ("GB601", "//:tool")]

"""`[workspace] compose` and `devcontainers`: the compose file and dev container definitions
emit writes, read from what the images' instructions and rules say about running them."""

from __future__ import annotations

import json
from pathlib import Path

from graphbuild.emit.compose import project_name, published, sync_user
from graphbuild.emit.runtime import HealthCheck, exec_form, health_check
from graphbuild.emit.yaml import render_yaml
from tests.support import run

RAW = """\
[workspace]
name = "Team.Raw"
compose = "deploy/compose.yaml"
args = { GREETING = "hi ${USER}" }

[[target]]
name = "base"
rule = "stages"
from = "scratch"
inputs = ["conf/"]
steps = ["COPY conf/ /etc/app/", 'CMD ["serve"]', "EXPOSE 80 53/udp", "USER app"]

[[target]]
name = "web"
rule = "stages"
image = true
from = ":base"
inputs = ["site/", "tools/*.sh"]
steps = [
  "ARG GREETING",
  "COPY site/ /srv/",
  'ENTRYPOINT ["/bin/run", "$HOME"]',
  "HEALTHCHECK --interval=5s --retries=3 CMD wget -q -O- http://127.0.0.1/ || exit 1",
  "WORKDIR /srv",
]

[[target]]
name = "again"
rule = "stages"
image = true
from = ":base"
steps = ['CMD ["serve", "--again"]']

[[target]]
name = "quiet"
rule = "stages"
image = true
from = "scratch"
steps = ["ENV A=1"]
"""


def raw_workspace(root: Path) -> Path:
    (root / "conf").mkdir(parents=True)
    (root / "conf/app.ini").write_text("x=1\n")
    (root / "site").mkdir()
    (root / "site/index.html").write_text("<p>hi</p>\n")
    (root / "tools").mkdir()
    (root / "tools/a.sh").write_text("echo\n")
    (root / "BUILD.toml").write_text(RAW)
    return root


def test_example_compose_file_and_dev_container(example: Path, text_snapshot, full_text_snapshot):
    assert run("emit", cwd=example).code == 0
    assert (example / "compose.yaml").read_text() == full_text_snapshot(name="compose")
    definition = (example / ".devcontainer/api-dev/devcontainer.json").read_text()
    assert definition == text_snapshot(name="devcontainer")
    assert sorted(p.name for p in (example / ".devcontainer").iterdir()) == ["api-dev"]
    assert run("emit", "--check", cwd=example).code == 0


def test_services_come_from_the_instructions_of_any_image(tmp_path: Path, full_text_snapshot):
    workspace = raw_workspace(tmp_path / "ws")
    result = run("emit", cwd=workspace)
    assert result.code == 0, result.err
    text = (workspace / "deploy/compose.yaml").read_text()
    assert text == full_text_snapshot
    # `web` is built FROM `base`: its ENTRYPOINT resets base's CMD; the ports and user are
    # inherited; `again` exposes base's ports too and comes first, so `web` gets ephemeral
    # host ports; `quiet` runs nothing and is no service.
    assert "  web:\n" in text and "  again:\n" in text and "quiet" not in text
    assert "command" not in text.split("  web:\n")[1]
    assert '"127.0.0.1::80"' in text and '"127.0.0.1:80:80"' in text
    assert '"$$HOME"' in text and '"hi $${USER}"' in text  # compose would interpolate them
    assert 'context: ".."' in text and 'path: "../site"' in text


def test_a_compose_file_emit_did_not_write_is_drift(example: Path):
    assert run("emit", cwd=example).code == 0
    (example / "compose.yaml").write_text("services: {}\n")
    result = run("emit", "--check", cwd=example)
    assert result.code == 1
    assert "--- a/compose.yaml" in result.out
    (example / ".devcontainer/api-dev/devcontainer.json").unlink()
    assert (
        "+++ b/.devcontainer/api-dev/devcontainer.json" in run("emit", "--check", cwd=example).out
    )


def test_the_override_file_is_never_written(example: Path):
    (example / "compose.override.yaml").write_text("services: {api: {environment: [A=1]}}\n")
    assert run("emit", cwd=example).code == 0
    assert (example / "compose.override.yaml").read_text() == (
        "services: {api: {environment: [A=1]}}\n"
    )


def test_dev_container_paths_are_relative_to_the_definition(example: Path):
    assert run("emit", cwd=example).code == 0
    text = (example / ".devcontainer/api-dev/devcontainer.json").read_text()
    definition = json.loads(text.split("\n", 1)[1])  # after the // header (JSONC)
    folder = example / ".devcontainer/api-dev"
    assert (folder / definition["build"]["dockerfile"]).resolve() == example / "build/Dockerfile"
    assert (folder / definition["build"]["context"]).resolve() == example
    stages = (example / "build/Dockerfile").read_text()
    assert f" AS {definition['build']['target']}\n" in stages
    python = definition["customizations"]["vscode"]["settings"]["python.defaultInterpreterPath"]
    assert python == "/opt/venv/bin/python"


def test_health_checks_in_compose_terms():
    assert health_check('--interval=30s CMD ["python", "-c", "x"]') == HealthCheck(
        ("CMD", "python", "-c", "x"), (("interval", "30s"),)
    )
    assert health_check("--timeout=2s --start-period=1s CMD curl -f http://x || exit 1") == (
        HealthCheck(
            ("CMD-SHELL", "curl -f http://x || exit 1"), (("timeout", "2s"), ("start_period", "1s"))
        )
    )
    assert health_check("NONE") == HealthCheck(("NONE",))


def test_exec_and_shell_forms():
    assert exec_form('["a", "b c"]') == ("a", "b c")
    assert exec_form("[not json") == ("/bin/sh", "-c", "[not json")
    assert exec_form("run --fast") == ("/bin/sh", "-c", "run --fast")


def test_ports_users_and_project_names():
    claimed: set[str] = set()
    assert published(("8000", "53/udp"), claimed) == ["127.0.0.1:8000:8000", "127.0.0.1:53:53/udp"]
    assert published(("8000/tcp",), claimed) == ["127.0.0.1::8000"]
    assert sync_user("10001:10001") == "10001"
    assert sync_user("10001:20") == "10001:20"
    assert sync_user("app") == "app"
    assert project_name("Team.Raw") == "team-raw"
    assert project_name("..") == "graphbuild"


def test_yaml_quotes_every_string():
    text = render_yaml(
        {"a": "yes", "b": ["1", 2, True, "#x: y"], "c d": {"e": [{"f": "\n", "g": []}]}, "h": {}}
    )
    assert text == (
        'a: "yes"\n'
        "b:\n"
        '  - "1"\n'
        "  - 2\n"
        "  - true\n"
        '  - "#x: y"\n'
        '"c d":\n'
        "  e:\n"
        '    - f: "\\n"\n'
        "      g: []\n"
        "h: {}\n"
    )

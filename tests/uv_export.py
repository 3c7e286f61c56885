"""What uv itself says of a workspace, for the differential tests: `uv export` of a member
with its markers decided as graphbuild decides them, and a slice file read back the same way."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from packaging.markers import Marker

UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
SLICE_HEADER = re.compile(r"member (\S+), internal members .*\n# CPython (\d+\.\d+)")


def exported(root: Path, member: str, python: str, machine: str = "x86_64") -> dict[str, list[str]]:
    """What uv itself resolves for `member`: `uv export`, its markers decided for CPython
    `python` on linux `machine` (as graphbuild decides them)."""
    out = subprocess.run(
        [UV, "export", "--frozen", "--package", member, "--no-emit-workspace", "--no-dev",
         "--no-header", "--no-annotate", "--format", "requirements.txt"],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    env = {"python_version": python, "python_full_version": f"{python}.0",
           "platform_machine": machine, "sys_platform": "linux", "platform_system": "Linux",
           "implementation_name": "cpython", "platform_python_implementation": "CPython",
           "os_name": "posix"}  # fmt: skip
    pins: dict[str, list[str]] = {}
    for block in re.split(r"\n(?=\S)", out.strip()):
        if not block.strip():
            continue
        requirement, _, marker = block.split(" \\")[0].strip().partition(" ; ")
        if not marker or Marker(marker).evaluate(env):
            pins[requirement] = sorted(re.findall(r"--hash=(\S+)", block))
    return pins


def sliced(path: Path, machine: str | None = None) -> dict[str, list[str]]:
    """A slice file's requirement -> hashes (with `machine`: those its platform_machine markers
    keep on that machine, markers dropped)."""
    text = "\n".join(line for line in path.read_text().splitlines() if not line.startswith("#"))
    found = {}
    for block in re.split(r"\n(?=\S)", text.strip()):
        if not block.strip():
            continue
        requirement = block.split(" \\")[0].strip()
        if machine is not None:
            requirement, _, marker = requirement.partition(" ; ")
            if marker and not Marker(marker).evaluate({"platform_machine": machine}):
                continue
        found[requirement] = sorted(re.findall(r"--hash=(\S+)", block))
    return found


def slice_member(path: Path) -> tuple[str, str]:
    """(member, CPython X.Y) a slice file says it is for."""
    found = SLICE_HEADER.search(path.read_text())
    assert found is not None, path
    return found.group(1), found.group(2)

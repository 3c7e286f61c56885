"""The `source` interpreter method built for real from the Debian pool's upstream tarball
(~5 min cold on 2 cores): the trimmed /opt/python runs an app that imports the stdlib modules a
trimmed interpreter must keep, and its file list holds nothing an expert would not ship.
Needs `tools/engine`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.debian import python_source_workspace
from tests.e2e_support import DOCKER, docker
from tests.support import run

pytestmark = pytest.mark.e2e

# Run inside the image: what a trimmed, stripped interpreter must not hold, one finding a line.
AUDIT = r"""
import os, struct, sys
prefix, stdlib = "/opt/python", "/opt/python/lib/python3.11"

def section_names(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        return None
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    size, count, names_at = struct.unpack_from("<HHH", data, 0x3A)
    heads = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * size) for i in range(count)]
    table = heads[names_at][4]
    return [data[table + h[0]:data.index(b"\0", table + h[0])].decode() for h in heads]

elves = 0
for top in (prefix, "/opt/venv"):
    for folder, dirs, files in os.walk(top):
        for name in dirs:
            if name in ("test", "tests", "idle_test", "ensurepip", "idlelib"):
                print("tree", os.path.join(folder, name))
            if name.startswith(("pip", "setuptools", "wheel", "uv")) and "site-packages" in folder:
                print("installer", os.path.join(folder, name))
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(".a") or ".opt-" in name:
                print("file", path)
            if folder.endswith("__pycache__") and name.endswith(".pyc"):
                source = os.path.join(os.path.dirname(folder), name.split(".")[0] + ".py")
                if not os.path.exists(source):
                    print("orphan", path)
            if os.path.islink(path):
                continue
            sections = section_names(path)
            if sections is not None:
                elves += 1
                if ".symtab" in sections or ".debug_info" in sections:
                    print("unstripped", path)
missing = [
    f for f in os.listdir(stdlib) if f.endswith(".py")
    and not os.path.exists(f"{stdlib}/__pycache__/{f[:-3]}.cpython-311.pyc")
]
if missing:
    print("no .pyc for", " ".join(sorted(missing)))
for tool in ("gcc", "cc", "make", "pip", "pip3", "uv"):
    if any(os.path.exists(os.path.join(d, tool)) for d in os.environ["PATH"].split(":")):
        print("on PATH", tool)
print("elf files", elves)
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The scenario built once with bake; the app image's tag."""
    root = python_source_workspace(tmp_path_factory.mktemp("source") / "ws")
    assert run("emit", cwd=root).code == 0
    result = run("build", "--docker", DOCKER, cwd=root)
    assert result.code == 0, result.out[-3000:] + result.err
    bake = json.loads((root / "build/docker-bake.json").read_text())
    return str(bake["target"]["app"]["tags"][0])


def test_app_on_the_built_interpreter_imports_the_stdlib_as_uid_10001(built: str):
    assert docker("run", "--rm", built).stdout.strip() == (
        "imported ssl sqlite3 ctypes lzma bz2 readline uuid zlib decimal and six 1.16.0"
    )
    assert docker("run", "--rm", "--entrypoint", "id", built, "-u").stdout.strip() == "10001"


def test_the_interpreter_is_trimmed_and_stripped(built: str):
    found = docker("run", "--rm", "--entrypoint", "python", built, "-c", AUDIT).stdout
    lines = found.splitlines()
    assert lines[:-1] == []  # nothing left that the audit flags
    assert int(lines[-1].split()[-1]) > 40  # the binary and lib-dynload's modules were seen


def test_the_venv_cannot_be_written_by_the_app_user(built: str, tmp_path: Path):
    script = "touch /opt/venv/x 2>/dev/null && echo writable || echo read-only"
    out = docker("run", "--rm", "--entrypoint", "sh", built, "-c", script).stdout.strip()
    assert out == "read-only"

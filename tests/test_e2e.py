"""End to end on a real engine: the example workspace builds, its images run as they should,
and BuildKit's cache agrees with the plan step for step, through both drivers (one `docker
buildx bake`, and one `docker build` per image). Needs `tools/engine` (CI runs it)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import uuid
from collections import Counter
from pathlib import Path

import pytest

from graphbuild.build.record import load_built
from graphbuild.state.store import Store
from tests.e2e_support import DRIVERS, docker, on_local_bases, steps_in
from tests.support import copy_example, run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", autouse=True)
def cold_engine() -> None:
    """Start from an empty build cache, whatever ran on this engine before. Seen here: after
    a build that took steps from a registry cache (their records point at layers never pulled),
    a later build without that cache-from re-ran one such step, and the step checks failed."""
    docker("builder", "prune", "-af")


@pytest.fixture(scope="module", params=DRIVERS)
def driver(request, cold_engine: None) -> str:
    return request.param


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, driver: str) -> Path:
    """A copy of the example on the local base images, emitted and built once per driver."""
    root = copy_example(tmp_path_factory.mktemp(f"e2e-{driver}") / "ws")
    on_local_bases(root)
    assert run("emit", cwd=root).code == 0
    result = run("build", "--all", "--jobs", "2", "--driver", driver, cwd=root)
    assert result.code == 0, result.out[-4000:] + result.err
    shutil.copytree(root / ".graphbuild/logs", root.parent / "cold-logs")  # later builds rewrite
    return root


def build(root: Path, driver: str, *args: str) -> str:
    """`graphbuild build` through `driver`; its output."""
    result = run("build", "--driver", driver, *args, cwd=root)
    assert result.code == 0, result.out[-4000:] + result.err
    return result.out


def planned(out: str) -> set[str]:
    """The bake targets a `build --dry-run` would build, whichever the driver."""
    names = set()
    for line in out.splitlines():
        argv = shlex.split(line)
        if argv[1:3] == ["buildx", "bake"]:
            names |= {a for a in argv[3:] if not a.startswith("-") and "/" not in a
                      and not a.endswith(".json")}  # fmt: skip
        elif argv[1] == "build":
            names.add(Path(argv[argv.index("--iidfile") + 1]).stem)
    return names


def bake(root: Path) -> dict:
    return json.loads((root / "build/docker-bake.json").read_text())


def tag(root: Path, name: str) -> str:
    return bake(root)["target"][name]["tags"][0]


@pytest.mark.parametrize(
    ("name", "imports"),
    [
        ("api", "flask, psycopg2, db, money"),  # db and money: the internal libraries
        ("worker-3-11", "requests, money"),
        ("worker-3-13", "requests, money"),
        ("report", "six"),
    ],
)
def test_runtime_image_is_safe_and_works(workspace: Path, name: str, imports: str):
    script = (
        "id -u; command -v cc gcc g++ || echo no-compiler; "
        f"python -c 'import {imports}; print(\"imports-ok\")'; "
        "(touch /opt/venv/probe 2>/dev/null && echo venv-writable) || echo venv-readonly"
    )
    result = docker("run", "--rm", "--entrypoint", "sh", tag(workspace, name), "-c", script)
    lines = result.stdout.split()
    assert lines[0] != "0"
    assert "no-compiler" in lines
    assert "imports-ok" in lines
    assert "venv-readonly" in lines and "venv-writable" not in lines


# what an expert leaves out of a runtime image: installers and venv tooling; the docs, man
# pages and translations of every package installed on the distro_base (dpkg path excludes)
SITE = "/opt/venv/lib/python3.*/site-packages"
NOT_SHIPPED = [
    "/opt/venv/bin/pip", f"{SITE}/pip", f"{SITE}/setuptools", f"{SITE}/wheel",
    "/opt/venv/bin/uv", f"{SITE}/uv", "/usr/local/bin/uv",
    "/usr/lib/python3.*/ensurepip", "/usr/share/doc/python3.*/NEWS.gz",
    "/usr/share/man/man1/python3.*.1.gz", "/usr/share/locale/*/LC_MESSAGES/libpq5*.mo",
    "/var/lib/apt/lists/*debian*", "/var/log/dpkg.log",
]  # fmt: skip


@pytest.mark.parametrize("name", ["api", "worker-3-11", "worker-3-13", "report"])
def test_runtime_image_ships_only_what_runs(workspace: Path, name: str):
    """Read from the image's own file list: what is there, what is not."""
    script = (
        "for p in " + " ".join(NOT_SHIPPED) + '; do [ -e "$p" ] && echo "shipped $p"; done; '
        "find /opt/venv -name '*.pyc' | head -1 | grep -q . && echo compiled; "
        "ls /usr/share/doc | head -1 | grep -q . && echo copyrights-kept; true"
    )
    out = docker("run", "--rm", "--entrypoint", "sh", tag(workspace, name), "-c", script).stdout
    assert [line for line in out.splitlines() if line.startswith("shipped")] == []
    assert "compiled" in out  # .pyc written at build time: nothing to write at run time
    assert "copyrights-kept" in out  # the base's own docs: excludes apply to later installs


def test_shared_base_is_built_once(workspace: Path):
    def layers(name: str) -> list[str]:
        out = docker(
            "image", "inspect", "--format", "{{json .RootFS.Layers}}", tag(workspace, name)
        )
        return json.loads(out.stdout)

    api, worker = layers("api"), layers("worker-3-11")
    shared = next(i for i, (a, b) in enumerate(zip(api, worker, strict=False)) if a != b)
    # base import, apt keep-cache, security upgrade, python, python link, app user
    assert shared >= 6


# apt downloading one suite's whole package list: `Get:2 URL bookworm/main amd64 Packages [8790 kB]`
PACKAGE_LIST = re.compile(r"Get:\d+ (\S+) (\S+) \S+ Packages \[")


def test_a_cold_build_downloads_each_package_list_once(workspace: Path, driver: str):
    """The apt caches are named after each distro base: the two distros' steps do not replace
    each other's lists (unnamed, the example's cold bake downloaded them five times)."""
    logs = workspace.parent / "cold-logs"
    bake_log = logs / "bake.log"  # bake's whole log; the per-target logs repeat shared steps
    files = [bake_log] if bake_log.exists() else sorted(logs.glob("*.log"))
    lists = Counter(m.groups() for f in files for m in PACKAGE_LIST.finditer(f.read_text()))
    assert set(lists.values()) <= {1}, lists
    if driver == DRIVERS[0]:  # the first build after the module's prune: apt ran in it
        assert {suite.split("/")[0] for _, suite in lists} >= {"bookworm", "trixie"}, lists


def test_source_edit_reruns_only_the_source_copy(workspace: Path, driver: str):
    run("lock", cwd=workspace)
    with open(workspace / "images/api/src/api/__init__.py", "a") as handle:
        handle.write(f"# an edit {uuid.uuid4()}\n")  # new to the engine's cache on every run
    plan = json.loads(run("plan", "--format", "json", cwd=workspace).out)
    predicted = sorted(t["label"] for t in plan["targets"] if t["status"] == "rebuild")
    assert predicted == ["//images/api:api", "//images/api:api#member", "//images/api:api-dev"]
    assert run("emit", cwd=workspace).code == 0
    build(workspace, driver, "//images/api:api")
    steps = steps_in((workspace / ".graphbuild/logs/api.log").read_text())
    ran = {text for text, (_, status) in steps.items() if status != "CACHED"}
    # the member's own layers: its source copied into #member, installed there, merged last
    install = [t for t in ran if "--prefix /opt/member /build/images/api" in t]
    assert len(install) == 1
    assert ran == {
        "COPY images/api/src/ /build/images/api/src/",
        *install,
        "COPY --from=images-api-member /opt/member/ /opt/venv/",
    }
    assert len(steps) > 10


def test_requirements_edit_reruns_the_install_not_the_base(workspace: Path, driver: str):
    with open(workspace / "images/report/requirements.txt", "a") as handle:
        handle.write(f"idna==3.7  # {uuid.uuid4()}\n")
    assert run("emit", cwd=workspace).code == 0
    build(workspace, driver, "//images/report:report")
    steps = steps_in((workspace / ".graphbuild/logs/report.log").read_text())
    ran = {stage for _, (stage, status) in steps.items() if status != "CACHED"}
    assert ran == {"images-report-builder", "images-report-dependencies", "images-report"}
    base = [status for _, (stage, status) in steps.items() if stage.startswith("images-base-")]
    assert base and set(base) == {"CACHED"}


def test_build_records_what_it_built(workspace: Path, driver: str):
    # api was rebuilt after the source edit, report after the requirements edit; api-dev,
    # which copies api's member install too, was not
    assert planned(build(workspace, driver, "--rebuild", "--dry-run")) == {"api-dev"}
    built = load_built(Store(workspace / ".graphbuild"))
    for label, name in [("//images/api:api", "api"), ("//images/report:report", "report")]:
        engine_id = docker("image", "inspect", "--format", "{{.Id}}", tag(workspace, name)).stdout
        assert built[label].image == engine_id.strip()  # the digest the engine reported


def test_a_shared_step_is_in_every_log_that_needs_it(workspace: Path, driver: str):
    """Bake prints a step shared by several targets once, under one of them; each target's
    log still shows every step of its own stages."""
    with open(workspace / "images/api/src/api/__init__.py", "a") as handle:
        handle.write(f"# another edit {uuid.uuid4()}\n")
    assert run("emit", cwd=workspace).code == 0
    build(workspace, driver, "//images/api:api", "//images/api:api-dev")
    logs = workspace / ".graphbuild/logs"
    api, dev = (
        steps_in((logs / "api.log").read_text()),
        steps_in((logs / "api-dev.log").read_text()),
    )
    install = next(t for t in api if "--prefix /opt/member /build/images/api" in t)
    # the member's install, shared: both logs show it (under docker-build the two builds run
    # at once, so api-dev's is run or cached by timing), and the dependencies api-dev is on
    assert api[install] == ("images-api-member", "DONE")
    assert dev[install][0] == "images-api-member"
    dependencies = {t for t, (stage, _) in api.items() if stage == "images-api-dependencies"}
    assert dependencies and dependencies <= set(dev)
    # each image merges the install last; the dev image's tools, before it, are not re-run
    merge = "COPY --from=images-api-member /opt/member/ /opt/venv/"
    assert api[merge] == ("images-api", "DONE")
    assert dev[merge] == ("images-api-api-dev", "DONE")
    tools = next(t for t in dev if "install -y --no-install-recommends curl" in t)
    assert dev[tools] == ("images-api-api-dev", "CACHED")

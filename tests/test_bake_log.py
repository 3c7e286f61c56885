"""A bake run's one progress stream, split per target: checked on logs the real engine wrote
(Docker 26.1.5, buildx 0.13.1; tests/fixtures/bake-logs/), and through `graphbuild build` with
a docker stand-in that replays them."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

from graphbuild.analysis.run import analyze
from graphbuild.build.bake_log import split_log
from graphbuild.build.docker import stage_users
from graphbuild.build.record import load_built
from graphbuild.emit.bake import bake_name
from graphbuild.emit.names import emitted_stages
from graphbuild.state.store import Store
from tests.support import REPO, run

LOGS = REPO / "tests/fixtures/bake-logs"
# the failure log's Dockerfile: `base`, then `good` and `bad` each FROM base
FAILURE_USERS = {
    "base": frozenset({"good", "bad"}),
    "good": frozenset({"good"}),
    "bad": frozenset({"bad"}),
}


def example_users(root: Path, targets: list[str]) -> dict[str, frozenset[str]]:
    analysis = analyze(root, use_cache=False)
    names = {t.label: bake_name(t.image or "") for t in analysis.graph.images}
    wanted = {analysis.graph.outputs[lb]: name for lb, name in names.items() if name in targets}
    _, stage_names = emitted_stages(analysis.graph, analysis.hashes)
    return stage_users(analysis.graph, stage_names, wanted)


def test_a_failure_is_its_target_s_with_the_error_report():
    logs, failed = split_log((LOGS / "failure.log").read_text(), ["good", "bad"], FAILURE_USERS)
    assert failed == {"bad"}
    bad, good = "\n".join(logs["bad"]), "\n".join(logs["good"])
    assert "#10 ERROR: process" in bad and "ERROR" not in good
    assert logs["bad"][-1].startswith("ERROR: failed to solve")  # the report after the vertex
    assert ">>> RUN echo about to fail && exit 3" in bad
    assert "#9 CANCELED" in good and "#9 " not in bad
    # the shared stage's steps are in both, though bake named only one target for them
    for lines in logs.values():
        assert "#8 [bad base 2/2] RUN echo base-step" in lines


def steps(lines: set[str]) -> set[str]:
    """The Dockerfile step headers among `lines`."""
    return {line for line in lines if re.match(r"^#\d+ \[\S+ \S+ \d+/\d+\] ", line)}


SHARED_STAGE = re.compile(r" images-(base-\S+|api-runtime-base|api-toolchain|api-member) \d")


def test_every_target_log_has_every_step_of_its_stages(example: Path):
    text = (LOGS / "two-targets.log").read_text()
    users = example_users(example, ["api", "api-dev"])
    logs, failed = split_log(text, ["api", "api-dev"], users)
    assert failed == set()
    api, dev = set(logs["api"]), set(logs["api-dev"])
    # both are built on the interpreter, the app's user and its toolchain, and copy its
    # member's install; bake printed some of those steps under one target only, and each
    # target's log has them
    shared = {s for s in steps(api | dev) if SHARED_STAGE.search(s)}
    assert {s.split("] ", 1)[0].split(" ", 2)[2] for s in shared} >= {
        "images-api-runtime-base 1/1",
        *(f"images-api-toolchain {i}/3" for i in (1, 2, 3)),
        *(f"images-api-member {i}/3" for i in (1, 2, 3)),
    }
    assert shared <= api & dev
    assert "#17 [api images-api-runtime-base 1/1]" in {s.split("] ", 1)[0] + "]" for s in dev}
    # the dev image's own steps: its tools, then the app's runtime repeated, then the member
    own_dev = sorted(s.split("] ", 1)[0] for s in steps(dev) if " images-api-api-dev " in s)
    assert len(own_dev) == 5 and not set(own_dev) & {s.split("] ", 1)[0] for s in api}
    api_dependencies = {s for s in steps(api) if " images-api-dependencies " in s}
    assert len(api_dependencies) == 3 and not api_dependencies & dev
    assert "#37 [api images-api 1/1] COPY --from=images-api-member /opt/member/ /opt/venv/" in api
    assert not any(" images-api 1/1]" in s for s in dev)
    assert "#3 [api-dev internal] load build definition from Dockerfile" not in api
    step_lines = [line for line in text.splitlines() if line.startswith("#")]
    assert set(step_lines) <= api | dev  # nothing dropped


def test_one_target_bake_has_no_prefix_and_takes_every_line():
    text = "#1 [internal] load\n#1 DONE 0.0s\n#2 [stage 1/1] RUN x\n#2 ERROR: boom\nERROR: failed\n"
    logs, failed = split_log(text, ["only"], {"stage": frozenset({"only"})})
    assert failed == {"only"}
    assert logs["only"] == text.splitlines()


FAKE_BAKE = """#!/bin/sh
# A stand-in for the docker CLI with buildx: `buildx bake` replays a log the real engine wrote
# and, when it succeeded, writes the metadata file bake would.
if [ "$1 $2" = "buildx version" ]; then echo "github.com/docker/buildx 0.13.1"; exit 0; fi
metadata=""
while [ $# -gt 0 ]; do [ "$1" = --metadata-file ] && metadata=$2; shift; done
cat {log}
if [ {code} = 0 ]; then
  key='"containerimage.digest"'
  printf '{"api": {%s: "sha256:%064d"}, "api-dev": {%s: "sha256:%064d"}}' \\
    "$key" 1 "$key" 2 > "$metadata"
fi
exit {code}
"""


def fake_bake(tmp_path: Path, log: str, code: int) -> str:
    path = tmp_path / "docker"
    path.write_text(FAKE_BAKE.replace("{log}", str(LOGS / log)).replace("{code}", str(code)))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_build_through_bake_reports_and_records_per_target(example: Path, tmp_path: Path):
    assert run("emit", cwd=example).code == 0
    docker = fake_bake(tmp_path, "two-targets.log", 0)
    result = run("build", "//images/api:api", "//images/api:api-dev", "--docker", docker,
                 cwd=example)  # fmt: skip
    assert result.code == 0, result.out + result.err
    lines = result.out.splitlines()
    runtime_base = "#17 [api images-api-runtime-base 1/1] RUN groupadd --system"
    assert any(line.startswith(f"[api-dev] {runtime_base}") for line in lines)  # printed once
    assert any(line.startswith(f"[api] {runtime_base}") for line in lines)
    assert any(
        line.startswith("[api] built in ") and line.endswith(f"s: sha256:{1:064d}")
        for line in lines
    )
    logs = example / ".graphbuild/logs"
    assert (logs / "bake.log").read_text() == (LOGS / "two-targets.log").read_text()
    assert "images-api-api-dev 1/2" not in (logs / "api.log").read_text()
    built = load_built(Store(example / ".graphbuild"))
    assert built["//images/api:api-dev"].image == f"sha256:{2:064d}"
    plan = json.loads(run("plan", "--format", "json", cwd=example).out)
    hashes = {t["label"]: t["hash"] for t in plan["targets"]}
    assert built["//images/api:api"].hash == hashes["//images/api:api"]


def test_a_failed_bake_names_its_target_and_tail_and_fail_fast_cancels_the_rest(tmp_path: Path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "BUILD.toml").write_text(TWO_IMAGES)
    assert run("emit", cwd=workspace).code == 0
    docker = fake_bake(tmp_path, "failure.log", 1)
    result = run("build", "--fail-fast", "--docker", docker, cwd=workspace)
    assert result.code == 1
    assert "[bad] FAILED" in result.out and "[good] FAILED" not in result.out
    assert "[bad] | ERROR: failed to solve: process" in result.out
    assert result.err.splitlines() == ["bad: failed", "good: cancelled"]
    assert load_built(Store(workspace / ".graphbuild")) == {}


SELECTIVE_BAKE = """#!/bin/sh
# A stand-in for buildx bake: a run that builds `bad` fails as the real engine did (every
# other target of it cancelled); a run without it builds what it is asked for.
if [ "$1 $2" = "buildx version" ]; then echo "github.com/docker/buildx 0.13.1"; exit 0; fi
echo "$*" >> {calls}
metadata="" targets=""
while [ $# -gt 0 ]; do
  case $1 in
    --metadata-file) metadata=$2; shift ;;
    --file|--set) shift ;;
    -*|buildx|bake) ;;
    *) targets="$targets $1" ;;
  esac
  shift
done
case " $targets " in *" bad "*) cat {log}; exit 1 ;; esac
entries=""
for t in $targets; do
  entries="$entries${entries:+, }$(printf '"%s": {"containerimage.digest": "sha256:%064d"}' "$t" 5)"
done
printf '{%s}' "$entries" > "$metadata"
"""


def test_a_failure_stays_local_the_unrelated_image_is_built_the_dependent_skipped(
    tmp_path: Path,
):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "BUILD.toml").write_text(TWO_IMAGES + ON_BAD)
    assert run("emit", cwd=workspace).code == 0
    docker = tmp_path / "docker"
    calls = tmp_path / "calls"
    docker.write_text(SELECTIVE_BAKE.replace("{log}", str(LOGS / "failure.log"))
                      .replace("{calls}", str(calls)))  # fmt: skip
    docker.chmod(0o755)
    result = run("build", "--docker", str(docker), cwd=workspace)
    assert result.code == 1
    lines = result.out.splitlines()
    assert "[//:on-bad] skipped: built on //:bad, which failed" in lines
    assert "building again what the failure cancelled: //:good" in lines
    assert lines[-1] == "built 1; failed 1: bad; skipped 1: on-bad"
    assert result.err.splitlines() == [
        "bad: failed",
        "on-bad: skipped: built on an image that failed",
    ]
    runs = calls.read_text().splitlines()
    targets = [[w for w in r.split() if w in ("bad", "good", "on-bad")] for r in runs]
    assert targets == [["bad", "good", "on-bad"], ["good"]]  # the second run: good alone
    assert set(load_built(Store(workspace / ".graphbuild"))) == {"//:good"}


ON_BAD = """
[[target]]
name = "on-bad"
rule = "stages"
image = true
from = ":bad"
steps = ["ENV C=1"]
"""


TWO_IMAGES = """\
[workspace]
name = "two"

[[target]]
name = "base"
rule = "stages"
from = "scratch"
steps = ["ENV A=1"]

[[target]]
name = "good"
rule = "stages"
image = true
from = ":base"
steps = ["ENV G=1"]

[[target]]
name = "bad"
rule = "stages"
image = true
from = ":base"
steps = ["ENV B=1"]
"""

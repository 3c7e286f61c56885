"""The spread driver: the example's images over several builders (docker contexts), through the
stand-in docker CLI: where each ran, a push beside its image, an unreachable builder dropped and
its image built elsewhere, and the options checked."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support import run
from tests.support.example_variants import with_image_on_report
from tests.support.fake_docker import fake_docker

TARGETS = ["api", "api-dev", "report", "worker-3-11", "worker-3-13"]  # bake targets, and
STAGES = [  # the Dockerfile stages their builds name, in the same order
    "images-api", "images-api-api-dev", "images-report", "images-worker-3.11", "images-worker-3.13",
]  # fmt: skip


def contexts(docker: str) -> list[tuple[str, str]]:
    """(context, bake target) of every build the stand-in ran, in order."""
    lines = (Path(docker).parent / "contexts").read_text().splitlines()
    return [(line.split(" ")[0], line.split(" ")[1]) for line in lines]


def test_images_spread_over_the_builders(emitted: Path, tmp_path: Path):
    docker = fake_docker(tmp_path, delay=0.3)
    result = run("build", "--driver", "spread", "--builders", "a,b", "--docker", docker,
                 cwd=emitted)  # fmt: skip
    assert result.code == 0, result.out
    ran = contexts(docker)
    assert {context for context, _ in ran} == {"a", "b"}  # both builders worked
    assert sorted(stage for _, stage in ran) == STAGES
    lines = result.out.splitlines()
    for context, stage in ran:
        target = TARGETS[STAGES.index(stage)]
        assert any(line.startswith(f"[{target}] ran on {context}: 1 step cached") for line in lines)


def test_an_image_on_an_image_waits_for_it_wherever_it_ran(example: Path, tmp_path: Path):
    with_image_on_report(example)
    assert run("emit", cwd=example).code == 0
    docker = fake_docker(tmp_path, delay=0.3)
    result = run("build", "--driver", "spread", "--builders", "a,b", "--docker", docker,
                 cwd=example)  # fmt: skip
    assert result.code == 0, result.out
    lines = result.out.splitlines()
    assert lines.index(next(ln for ln in lines if ln.startswith("[report] ran on"))) < lines.index(
        next(ln for ln in lines if ln.startswith("[nightly] building"))
    )


def test_an_unreachable_builder_is_dropped_and_its_image_built_elsewhere(
    emitted: Path, tmp_path: Path
):
    docker = fake_docker(tmp_path, down="gone")
    result = run("build", "--driver", "spread", "--builders", "gone,b", "--docker", docker,
                 cwd=emitted)  # fmt: skip
    assert result.code == 0, result.out
    assert "builder gone cannot be reached: dropped; building again on b" in result.out
    built = [stage for context, stage in contexts(docker) if context == "b"]
    assert sorted(built) == STAGES


def test_a_failure_on_the_last_builder_is_the_images_failure(emitted: Path, tmp_path: Path):
    docker = fake_docker(tmp_path, fail="report")
    result = run("build", "--driver", "spread", "--builders", "a,b", "--docker", docker,
                 cwd=emitted)  # fmt: skip
    assert result.code == 1
    assert "[report] FAILED" in result.out
    assert "[api] ran on" in result.out  # unrelated images still built


def test_the_dry_run_names_a_builder_per_image(emitted: Path, tmp_path: Path):
    docker = fake_docker(tmp_path)
    result = run("build", "--dry-run", "--driver", "spread", "--builders", "a,b",
                 "--docker", docker, cwd=emitted)  # fmt: skip
    assert result.code == 0, result.err
    builds = [ln for ln in result.out.splitlines() if " build " in ln]
    assert len(builds) == 5
    assert all(b.startswith(("DOCKER_CONTEXT=a ", "DOCKER_CONTEXT=b ")) for b in builds), builds


def test_builders_go_with_the_spread_driver_only(emitted: Path, tmp_path: Path):
    docker = fake_docker(tmp_path)
    for args, message in [
        (["--driver", "spread"], "--driver spread needs --builders CONTEXT,CONTEXT"),
        (["--builders", "a,b"], "--builders goes with --driver spread"),
        (["--driver", "spread", "--builders", "a,a"], "expected distinct docker context names"),
    ]:
        result = run("build", *args, "--docker", docker, cwd=emitted)
        assert result.code == 2 and message in result.err, result.err


def test_every_builder_pulls_the_pinned_bases_first(emitted: Path, tmp_path: Path):
    docker = fake_docker(tmp_path)
    result = run("build", "--driver", "spread", "--builders", "a,b", "--docker", docker,
                 cwd=emitted)  # fmt: skip
    assert result.code == 0, result.out
    pulls = (Path(docker).parent / "pulls").read_text().splitlines()
    root = (emitted / "BUILD.toml").read_text()
    bookworm, trixie = re.findall(r'image = "(debian:\S+@sha256:[0-9a-f]{64})"', root)
    assert pulls == [
        f"{context} pull --quiet --platform linux/amd64 {base}"
        for context in ("a", "b") for base in (bookworm, trixie)
    ]  # fmt: skip
    assert f"[a] pulled {bookworm} (linux/amd64)" in result.out.splitlines()
    first_build = next(i for i, ln in enumerate(result.out.splitlines()) if " building " in ln)
    assert result.out.splitlines().index(f"[b] pulled {trixie} (linux/amd64)") < first_build


def test_each_push_runs_where_its_image_was_built(emitted: Path, tmp_path: Path):
    """A push job is a shell script calling the CLI: it reaches the image's builder through
    DOCKER_CONTEXT (a --context put on its argv once broke every push, found on two engines)."""
    docker = fake_docker(tmp_path, delay=0.2)
    result = run("build", "--all", "--push", "--driver", "spread", "--builders", "a,b",
                 "--docker", docker, cwd=emitted)  # fmt: skip
    assert result.code == 0, result.out
    lines = result.out.splitlines()
    ran = {ln.split("]")[0][1:]: ln.split(" ran on ")[1].split(":")[0]
           for ln in lines if " ran on " in ln}  # fmt: skip
    pushed_on = {ln.split("]")[0][1:-5]: ln.rsplit(" on ", 1)[1]
                 for ln in lines if ".push] building " in ln}  # fmt: skip
    assert sorted(pushed_on) == sorted(TARGETS) and pushed_on == ran
    pushes = (Path(docker).parent / "pushes").read_text().splitlines()
    assert sorted(line.split(" ")[0] for line in pushes) == sorted(ran.values())


def test_a_builder_per_platform_builds_each_natively_then_merges(emitted: Path, tmp_path: Path):
    root = emitted / "BUILD.toml"
    root.write_text(root.read_text().replace(
        'platforms = ["linux/amd64"]', 'platforms = ["linux/amd64", "linux/arm64"]'
    ))  # fmt: skip
    assert run("emit", cwd=emitted).code == 0
    docker = fake_docker(tmp_path, buildx=True)
    result = run("build", "--all", "--push", "--driver", "spread", "--builders",
                 "linux/amd64=x86,linux/arm64=arm", "--docker", docker, cwd=emitted)  # fmt: skip
    assert result.code == 0, result.out
    builds = (Path(docker).parent / "contexts").read_text().splitlines()
    assert sorted({(b.split()[0], b.split()[2]) for b in builds}) == [
        ("arm", "linux/arm64"), ("x86", "linux/amd64"),
    ]  # fmt: skip
    assert len(builds) == 10  # five images, two platforms each
    merges = (Path(docker).parent / "merges").read_text().splitlines()
    api = next(m for m in merges if "/api:" in m.split()[2])
    words = api.split()
    tag = words[2]
    assert words[1] == "--tag" and words[3:] == [f"{tag}-amd64", f"{tag}-arm64"]
    lines = result.out.splitlines()
    assert lines.index("[api@arm64] ran on arm: 1 step cached") < lines.index(
        next(ln for ln in lines if ln.startswith("[api.merge] building"))
    )


def test_a_builder_per_platform_needs_push_and_a_builder_for_each(emitted: Path, tmp_path: Path):
    docker = fake_docker(tmp_path, buildx=True)
    for args, message in [
        (["--all", "--builders", "linux/amd64=x86"], "give --push"),
        (["--all", "--push", "--builders", "linux/arm64=arm"], "no builder for it"),
        (["--builders", "linux/amd64=x86,b"], "give every builder as PLATFORM=CONTEXT"),
    ]:
        result = run("build", "--driver", "spread", *args, "--docker", docker, cwd=emitted)
        assert result.code == 2 and message in result.err, (args, result.err)

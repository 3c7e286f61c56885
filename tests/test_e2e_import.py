"""`graphbuild import` on the real engine: a Dockerfile with a parameterised base, a stage
built on the build platform, heredocs, a .dockerignore, a `.git` source, a bind mount and a
second unused stage, built by Docker as it is and by graphbuild after import, gives images
with the same files and the same config; a plain `docker build` of the emitted file builds
the same default stage. Needs `tools/engine` (Docker 26)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.e2e_support import DOCKER, DRIVERS, docker
from tests.support import FIXTURES, run

pytestmark = pytest.mark.e2e
if "bake" not in DRIVERS:
    pytest.skip("heredocs need the engine's 1.4+ built-in frontend", allow_module_level=True)
AUDIT = (
    "cd /app && find . -type f | sort | xargs sha256sum; stat -c '%a %n' /usr/local/bin/run.sh;"
    " cat /base.txt; ls /dev-tools.txt 2>&1 | head -1; id -u"
)
CONFIG = ("Cmd", "Entrypoint", "User", "WorkingDir", "Env", "Healthcheck", "StopSignal")


def image_facts(tag: str) -> tuple[str, dict]:
    """What the image holds (files and their digests, as the app user sees them) and its
    config, graphbuild's own labels left out."""
    files = docker("run", "--rm", "--entrypoint", "sh", tag, "-c", AUDIT).stdout
    config = json.loads(docker("image", "inspect", tag).stdout)[0]["Config"]
    facts = {k: config.get(k) for k in CONFIG}
    labels = config.get("Labels") or {}
    facts["Labels"] = {k: v for k, v in labels.items() if k.startswith("org.example.")}
    return files, facts


def imported_and_built(context: Path, root: Path, settings: str) -> dict:
    """A new workspace at `root` (with `settings` in [workspace]) that imports `context` as
    package svc and builds it with bake; the bake file's targets."""
    root.mkdir()
    (root / "BUILD.toml").write_text(
        f'[workspace]\nname = "imported"\nprovenance = "none"\n{settings}'
    )
    shutil.copytree(context, root / "svc")
    imported = run("import", "svc/Dockerfile", cwd=root)
    assert imported.code == 0, imported.err
    assert run("emit", cwd=root).code == 0
    built = run("build", "--driver", "bake", "--docker", DOCKER, cwd=root)
    assert built.code == 0, built.out[-3000:] + built.err
    return json.loads((root / "build/docker-bake.json").read_text())["target"]


def test_an_imported_dockerfile_builds_the_same_image(tmp_path: Path):
    context = tmp_path / "original"
    shutil.copytree(FIXTURES / "import-e2e/svc", context)
    (context / ".git").mkdir()
    (context / ".git/HEAD").write_text("ref: refs/heads/main\n")
    original = docker(
        "buildx",
        "build",
        "--load",
        "-t",
        "graphbuild-e2e/import:original",
        str(context),
        check=False,
    )
    assert original.returncode == 0, original.stderr[-3000:]

    root = tmp_path / "ws"
    settings = 'dockerfile_frontend = "builtin"\ndockerfile_syntax = "1.4"\n'
    bake = imported_and_built(context, root, settings)
    assert sorted(bake) == ["svc", "svc-dev"]  # the unused `dev` stage is an image too
    want_files, want_config = image_facts("graphbuild-e2e/import:original")
    got_files, got_config = image_facts(bake["svc"]["tags"][0])
    assert got_files == want_files
    assert got_config == want_config
    for absent in ("secret.txt", "debug.log", "node_modules", "Dockerfile", "BUILD.toml"):
        assert absent not in got_files
    for present in ("./GIT_HEAD", "./keep.log", "./data-copy.txt", "./notes.txt", "./conf.ini"):
        assert present in got_files
    dev = docker("run", "--rm", bake["svc-dev"]["tags"][0]).stdout
    assert dev == "dev tools\n"

    # a plain docker build of the emitted file, without --target, builds the default stage
    plain = docker(
        "buildx", "build", "--load", "-t", "graphbuild-e2e/import:plain",
        "-f", str(root / "build/Dockerfile"), str(root), check=False,
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr[-3000:]
    assert image_facts("graphbuild-e2e/import:plain")[0] == want_files


def test_global_args_reach_each_stage_as_docker_gives_them(tmp_path: Path):
    """A default naming an earlier ARG, `${X:-word}` of a bare ARG, quotes and escapes, and a
    stage's own default for a name its FROM uses: the same values as Docker's build."""
    context = tmp_path / "original"
    shutil.copytree(FIXTURES / "import-e2e/args", context)
    tag = "graphbuild-e2e/import:args-original"
    original = docker("buildx", "build", "--load", "-t", tag, str(context), check=False)
    assert original.returncode == 0, original.stderr[-3000:]
    want = docker("run", "--rm", tag, "cat", "/args.txt").stdout
    assert want.splitlines()[-1] == "tag: own-default"  # the stage's own, not the global's

    bake = imported_and_built(context, tmp_path / "ws", "")
    assert docker("run", "--rm", bake["svc"]["tags"][0], "cat", "/args.txt").stdout == want


def test_the_arg_words_agree_with_the_engine(tmp_path: Path):
    """The lexer's cases (tests/test_import_model.py) as the engine reads them."""
    from tests.support.arg_words import ARG_WORDS

    names = [f"W{i}" for i in range(len(ARG_WORDS))]
    lines = ["ARG PY=3.12", *(f"ARG {n}={w}" for n, (w, _) in zip(names, ARG_WORDS, strict=True))]
    lines += ["FROM graphbuild-e2e/debian:bookworm", f"ARG {' '.join(names)}"]
    lines.append("RUN printf '[%s]\\n' " + " ".join(f'"${n}"' for n in names) + " > /out.txt")
    (tmp_path / "Dockerfile").write_text("\n".join(lines) + "\n")
    tag = "graphbuild-e2e/import:arg-words"
    built = docker("buildx", "build", "--load", "-t", tag, str(tmp_path), check=False)
    assert built.returncode == 0, built.stderr[-3000:]
    out = docker("run", "--rm", tag, "cat", "/out.txt").stdout
    assert out.splitlines() == [f"[{value}]" for _, value in ARG_WORDS]

"""What import brought into the model, each on its own: build-arg substitution as Docker's
lexer does it, FROM --platform in the hash and the bake file, a global ARG a stage redeclares,
[workspace] default, and `.git` inputs that no memo may keep."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from graphbuild.core.args import expand, shell_word, variables
from graphbuild.core.errors import GraphbuildError
from tests.support import run
from tests.support.arg_words import ARG_WORDS


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("python:${PY}-slim", {"PY": "3.12"}, "python:3.12-slim"),
        ("$BASE", {"BASE": "debian:12"}, "debian:12"),
        ("python:${PY:-3.11}", {}, "python:3.11"),
        ("python:${PY:-3.11}", {"PY": ""}, "python:3.11"),
        ("python:${PY-3.11}", {"PY": ""}, "python:"),
        ("x${SUFFIX:+-slim}", {"SUFFIX": "1"}, "x-slim"),
        ("x${SUFFIX:+-slim}", {}, "x"),
        ("a\\$B", {}, "a$B"),
    ],
)
def test_expand_substitutes_as_docker_does(text: str, values: dict, expected: str):
    assert expand(text, values) == expected


def test_expand_refuses_an_unset_name_and_lists_names_once():
    with pytest.raises(GraphbuildError, match=r"\$\{PY\} has no value"):
        expand("python:${PY}", {})
    assert variables("$A:${B}-${A:-x}") == ["A", "B"]


@pytest.mark.parametrize(("word", "expected"), ARG_WORDS)
def test_an_arg_default_is_read_as_buildkits_lexer_reads_it(word: str, expected: str):
    assert shell_word(word, {"PY": "3.12"}) == expected


def workspace(tmp_path: Path, stage: str, extra: str = "") -> Path:
    root = tmp_path / "ws"
    root.mkdir(parents=True)
    (root / "BUILD.toml").write_text(
        f'[workspace]\nname = "w"\nplatforms = ["linux/amd64", "linux/arm64"]\n{extra}\n'
        '[external.debian]\nimage = "debian:12"\n\n'
        '[[target]]\nname = "app"\nrule = "stages"\nimage = true\n\n'
        f'[[target.stage]]\nname = "tools"\nfrom = "@debian"\n{stage}\nsteps = ["RUN make"]\n\n'
        '[[target.stage]]\nname = "app"\nfrom = "@debian"\n'
        'steps = ["COPY --from=:app#tools /out /out"]\n'
    )
    return root


def emitted(tmp_path: Path, build_toml: str) -> Path:
    """A one-file workspace, emitted."""
    root = tmp_path / "ws"
    root.mkdir(exist_ok=True)
    (root / "BUILD.toml").write_text(build_toml)
    assert run("emit", cwd=root).code == 0
    return root


def hashes(root: Path) -> dict[str, str]:
    assert run("emit", cwd=root).code == 0
    lock = (root / "graphbuild.lock").read_text()
    return dict(line.split(" = ") for line in lock.splitlines() if line.startswith('"//'))


def test_a_build_platform_stage_is_its_own_hash_and_flag(tmp_path: Path):
    plain = hashes(workspace(tmp_path / "a", ""))
    native_root = workspace(tmp_path / "b", 'platform = "build"')
    native = hashes(native_root)
    assert native['"//:app#tools"'] != plain['"//:app#tools"']
    assert native['"//:app"'] != plain['"//:app"']  # the Merkle chain carries it
    dockerfile = (native_root / "build/Dockerfile").read_text()
    assert "FROM --platform=$BUILDPLATFORM debian:12 AS app-tools\n" in dockerfile
    bake = json.loads((native_root / "build/docker-bake.json").read_text())
    assert bake["target"]["app"]["platforms"] == ["linux/amd64", "linux/arm64"]
    fixed = workspace(tmp_path / "c", 'platform = "linux/arm64"')
    fixed_hashes = hashes(fixed)
    assert fixed_hashes['"//:app#tools"'] not in (plain['"//:app#tools"'], native['"//:app#tools"'])
    assert "FROM --platform=linux/arm64 debian:12 AS" in (fixed / "build/Dockerfile").read_text()


def test_an_image_built_for_the_build_platform_names_no_platform_in_bake(tmp_path: Path):
    root = emitted(
        tmp_path,
        '[workspace]\nname = "w"\n\n[external.debian]\nimage = "debian:12"\n\n'
        '[[target]]\nname = "tool"\nrule = "stages"\nimage = true\nfrom = "@debian"\n'
        'platform = "build"\nsteps = ["RUN make"]\n',
    )
    bake = json.loads((root / "build/docker-bake.json").read_text())
    assert bake["target"]["tool"]["platforms"] == []  # whatever the build host is


def test_a_redeclared_workspace_arg_is_declared_before_the_first_from(tmp_path: Path):
    root = emitted(
        tmp_path,
        '[workspace]\nname = "w"\nargs = { PY = "3.12", OTHER = "x" }\n\n'
        '[external.python]\nimage = "python:${PY}-slim"\n\n'
        '[[target]]\nname = "a"\nrule = "stages"\nimage = true\nfrom = "@python"\n'
        'steps = ["ARG PY", "RUN echo $PY $OTHER"]\n',
    )
    dockerfile = (root / "build/Dockerfile").read_text()
    head, _, body = dockerfile.partition("\nFROM ")
    assert head.endswith('\nARG PY="3.12"\n\n# //:a')  # global: the stage's bare ARG takes it
    assert body.splitlines()[:4] == [
        "python:3.12-slim AS a",
        'ARG OTHER="x"',  # named only: declared in the stage, as before
        "ARG PY",
        "RUN echo $PY $OTHER",
    ]


def test_the_default_image_ends_the_dockerfile(tmp_path: Path):
    targets = "".join(
        f'\n[[target]]\nname = "{n}"\nrule = "stages"\nimage = true\nfrom = "scratch"\n'
        f'steps = ["ENV N={n}"]\n'
        for n in ("a", "b", "c")
    )
    root = emitted(tmp_path, f'[workspace]\nname = "w"\ndefault = "//:a"\n{targets}')
    dockerfile = (root / "build/Dockerfile").read_text()
    assert dockerfile.rstrip().endswith("FROM scratch AS a\nENV N=a")


def test_a_git_input_is_hashed_and_never_memoized(tmp_path: Path):
    root = tmp_path / "ws"
    (root / ".git").mkdir(parents=True)
    (root / ".git/HEAD").write_text("ref: refs/heads/main\n")
    emitted(
        tmp_path,
        '[workspace]\nname = "w"\n\n[[target]]\nname = "a"\nrule = "stages"\nimage = true\n'
        'from = "scratch"\ninputs = [".git/HEAD"]\nsteps = ["COPY .git/HEAD /HEAD"]\n',
    )
    assert "!.git/HEAD" in (root / "build/Dockerfile.dockerignore").read_text()
    for path in root.rglob("*"):  # settled files: a memo of them would be kept
        os.utime(path, (1_700_000_000, 1_700_000_000))
    assert run("plan", "--check", cwd=root).code == 0
    assert run("plan", "--check", cwd=root).code == 0  # a second run, where a memo would be
    (root / ".git/HEAD").write_text("ref: refs/heads/other\n")
    plan = run("plan", "--check", cwd=root)
    assert plan.code == 1 and ".git/HEAD" in plan.out


def test_a_dockerfile_at_the_workspace_root_imports_into_the_root_build_file(tmp_path: Path):
    root = tmp_path / "svc"
    root.mkdir()
    (root / "BUILD.toml").write_text('# the workspace\n[workspace]\nname = "svc"\n')
    (root / "Dockerfile").write_text("FROM debian:12\nCOPY . /app\n")
    (root / "app.py").write_text("print(1)\n")
    assert run("import", "Dockerfile", cwd=root).code == 0
    text = (root / "BUILD.toml").read_text()
    assert text.startswith('# the workspace\n[workspace]\ndefault = "//:svc"\nname = "svc"\n')
    assert 'exclude = [\n    "BUILD.toml",\n]' in text
    assert run("emit", cwd=root).code == 0
    assert "COPY . /app" in (root / "build/Dockerfile").read_text()
    again = run("import", "Dockerfile", cwd=root)
    assert again.code == 2 and "has targets already" in again.err


def test_new_args_go_to_the_workspace_table_not_to_a_target_after_it(tmp_path: Path):
    """A root BUILD.toml whose [workspace] is followed by [[target]] tables: a target's own
    `args = …` is not [workspace] args (the root edit once read it as such and refused)."""
    root = tmp_path / "ws"
    (root / "apps/svc").mkdir(parents=True)
    (root / "BUILD.toml").write_text(
        '[workspace]\nname = "w"\n\n[[target]]\nname = "tool"\nrule = "stages"\n'
        'from = "scratch"\nargs = { X = "1" }\nsteps = ["ENV X=$X"]\n'
    )
    (root / "apps/svc/Dockerfile").write_text("ARG PY=3.12\nFROM python:${PY}-slim\n")
    result = run("import", "apps/svc/Dockerfile", cwd=root)
    assert result.code == 0, result.err
    text = (root / "BUILD.toml").read_text()
    assert text.startswith('[workspace]\ndefault = "//apps/svc:svc"\nargs = { PY = "3.12" }\n')


def test_imported_global_args_keep_docker_values_and_bake_overrides_no_own_default(tmp_path):
    """The args fixture of the engine test, imported: the workspace args hold the values Docker
    computes, and no bake arg overrides the stage's own `ARG TAG=own-default`."""
    import shutil

    from tests.support import FIXTURES

    root = tmp_path / "ws"
    root.mkdir()
    (root / "BUILD.toml").write_text('[workspace]\nname = "w"\n')
    shutil.copytree(FIXTURES / "import-e2e/args", root / "svc")
    assert run("import", "svc/Dockerfile", cwd=root).code == 0
    text = (root / "BUILD.toml").read_text()
    assert 'BASE = "graphbuild-e2e/debian:bookworm"' in text
    assert 'MSG = "a \\"quoted\\" $word, \'single\' and none"' in text
    assert 'image = "graphbuild-e2e/debian:${TAG}"' in text
    assert run("emit", cwd=root).code == 0
    bake = json.loads((root / "build/docker-bake.json").read_text())["target"]["svc"]
    assert "TAG" not in bake["args"]


def imported(tmp_path: Path, dockerfile: str, root_extra: str = "") -> tuple[Path, object]:
    """A workspace with apps/x/Dockerfile holding `dockerfile`, and the import's result."""
    root = tmp_path / "ws"
    (root / "apps/x").mkdir(parents=True)
    (root / "BUILD.toml").write_text(f'[workspace]\nname = "w"\n{root_extra}')
    (root / "apps/x/Dockerfile").write_text(dockerfile)
    return root, run("import", "apps/x/Dockerfile", cwd=root)


def test_the_syntax_and_check_directives_come_back_at_the_top(tmp_path: Path):
    """`# syntax=docker/dockerfile:1` (the newest 1.x: every stable feature) and `# check=`
    were dropped; now both are [workspace] keys and the emitted file starts with them."""
    text = "# syntax=docker/dockerfile:1\n# check=skip=JSONArgsRecommended;error=true\n"
    root, done = imported(tmp_path, text + "FROM debian:12\nCMD echo hi\n")
    assert done.code == 0, done.err
    assert 'dockerfile_syntax = "1"\n' in (root / "BUILD.toml").read_text()
    assert run("emit", cwd=root).code == 0
    assert (root / "build/Dockerfile").read_text().startswith(text + "# Generated by graphbuild")


@pytest.mark.parametrize(
    ("have", "written", "message"),
    [
        ('dockerfile_check = "error=true"\n', "skip=all",
         "# check=skip=all: the workspace's dockerfile_check is 'error=true'"),
        ("", "skip=all;oops", "# check=skip=all;oops: expected skip=RULE[,RULE…]"),
        ("", "skip=a b", "# check=skip=a b: expected skip=RULE[,RULE…]"),
    ],
)  # fmt: skip
def test_a_check_directive_graphbuild_cannot_keep_is_refused_at_its_line(
    tmp_path: Path, have: str, written: str, message: str
):
    _, done = imported(tmp_path, f"# check={written}\nFROM debian:12\n", have)
    assert done.code == 2
    assert done.err.startswith(f"graphbuild: error: apps/x/Dockerfile:1: {message}"), done.err


@pytest.mark.parametrize("ignored", [True, False])
def test_copy_of_the_whole_folder_is_refused_only_where_docker_sent_its_git(
    tmp_path: Path, ignored: bool
):
    root = tmp_path / "ws"
    (root / "apps/x/.git").mkdir(parents=True)
    (root / "apps/x/.git/HEAD").write_text("ref: refs/heads/main\n")
    if ignored:
        (root / "apps/x/.dockerignore").write_text(".git\n")
    (root / "BUILD.toml").write_text('[workspace]\nname = "w"\n')
    (root / "apps/x/Dockerfile").write_text("FROM debian:12\nCOPY . /app/\n")
    done = run("import", "apps/x/Dockerfile", cwd=root)
    assert done.code == (0 if ignored else 2), done.err


@pytest.mark.parametrize(
    ("folder", "name"), [("svc_", "svc"), ("_a.b-", "a.b"), ("Web App", "web-app")]
)
def test_a_folder_name_becomes_a_name_images_accept(folder: str, name: str):
    """`svc_` gave the image name `svc_`, which Docker refuses (found by tools/import_corpus)."""
    from graphbuild.importer.stages import safe_name

    assert safe_name(folder) == name

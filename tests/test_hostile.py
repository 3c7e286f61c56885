"""A checkout may be hostile (a fork's pull request, a restored CI cache): what it holds can
make graphbuild neither hang nor read without bound (#24). Each case runs the real command in a
subprocess with a time limit, so a hang fails the test instead of the suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphbuild.hashing.file_digests import RACY_NS
from tests.support import FIXTURES

LIMIT = 30  # seconds: every case answers in well under one


def graphbuild(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, bounded in time."""
    return subprocess.run(
        [sys.executable, "-m", "graphbuild", *args], cwd=cwd, capture_output=True, text=True,
        timeout=LIMIT, stdin=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspaces/raw_stages", root)
    return root


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The one error line of a refused input, after checking the exit code."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_fifo_named_build_toml_does_not_hang_plan(workspace: Path):
    (workspace / "evil").mkdir()
    os.mkfifo(workspace / "evil/BUILD.toml")
    done = graphbuild("plan", cwd=workspace)
    assert done.returncode in (0, 1), done.stderr  # not a package: nothing to read


def test_a_build_toml_that_is_a_device_is_refused(workspace: Path):
    (workspace / "evil").mkdir()
    (workspace / "evil/BUILD.toml").symlink_to("/dev/zero")
    line = one_line(graphbuild("plan", cwd=workspace))
    assert line == "graphbuild: error: evil/BUILD.toml: BUILD.toml is not a regular file"


@pytest.mark.parametrize("make", ["fifo", "device"])
def test_import_reads_no_fifo_or_device(workspace: Path, make: str):
    source = workspace / "Dockerfile.evil"
    if make == "fifo":
        os.mkfifo(source)
    else:
        source.symlink_to("/dev/zero")
    line = one_line(graphbuild("import", "Dockerfile.evil", cwd=workspace))
    assert line == "graphbuild: error: Dockerfile.evil: cannot read: not a regular file"


@pytest.mark.parametrize("command", [("emit", "--check"), ("build", "--dry-run")])
def test_a_fifo_where_an_output_goes_does_not_hang(workspace: Path, command: tuple[str, ...]):
    assert graphbuild("emit", cwd=workspace).returncode == 0
    (workspace / "build/Dockerfile").unlink()
    os.mkfifo(workspace / "build/Dockerfile")
    line = one_line(graphbuild(*command, "--docker", "/bin/true", cwd=workspace)
                    if command[0] == "build" else graphbuild(*command, cwd=workspace))  # fmt: skip
    assert line == "graphbuild: error: build/Dockerfile: cannot read: not a regular file"


def test_a_uv_lock_that_is_a_device_is_refused(tmp_path: Path):
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspaces/uv_monorepo", root)
    (root / "uv.lock").unlink()
    (root / "uv.lock").symlink_to("/dev/zero")
    assert one_line(graphbuild("plan", cwd=root)).endswith(
        "uv.lock: cannot read: not a regular file"
    )


@pytest.mark.parametrize("how", ["flag", "env"])
def test_a_docker_cli_that_is_not_there_is_an_error_not_another_docker(workspace: Path, how: str):
    assert graphbuild("emit", cwd=workspace).returncode == 0
    env_or_flag = ["--docker", "/typo/docker"] if how == "flag" else []
    done = subprocess.run(
        [sys.executable, "-m", "graphbuild", "build", "--dry-run", *env_or_flag],
        cwd=workspace, capture_output=True, text=True, timeout=LIMIT,
        env={**os.environ, **({"GRAPHBUILD_DOCKER": "/typo/docker"} if how == "env" else {})},
    )  # fmt: skip
    where = "--docker" if how == "flag" else "GRAPHBUILD_DOCKER"
    assert one_line(done) == f"graphbuild: error: {where} /typo/docker: no executable there"


def test_no_exclude_pattern_sends_git(workspace: Path):
    """.dockerignore's last matching line wins: .git and .graphbuild come after every pattern
    of the team's, so a `!` pattern cannot send them to the builder."""
    from graphbuild.tree.ignore import ignore_test

    build = workspace / "BUILD.toml"
    build.write_text(
        build.read_text().replace("[workspace]", '[workspace]\nexclude = ["!.git", "!**/.git"]', 1)
    )
    (workspace / "tool/BUILD.toml").write_text(
        '[package]\nexclude = ["!/.git", "!.graphbuild"]\n'
        + (workspace / "tool/BUILD.toml").read_text()
    )
    assert graphbuild("emit", cwd=workspace).returncode == 0
    lines = (workspace / "build/Dockerfile.dockerignore").read_text().splitlines()
    excluded = ignore_test([line for line in lines if line and not line.startswith("#")])
    for path in (".git/config", "tool/.git/HEAD", ".graphbuild/records.v8/x", "tool/.graphbuild/x"):
        assert excluded(path), path


def test_emit_writes_nothing_through_a_symlinked_folder(workspace: Path, tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("# the user's own\n")
    (workspace / "out").symlink_to(home)
    build = workspace / "BUILD.toml"
    build.write_text(
        build.read_text().replace("[workspace]", '[workspace]\nbake = "out/.bashrc"', 1)
    )
    line = one_line(graphbuild("emit", cwd=workspace))
    assert line.endswith("out/.bashrc: a symlinked folder leads it out of the workspace:"
                         " graphbuild writes only inside it")  # fmt: skip
    assert (home / ".bashrc").read_text() == "# the user's own\n"
    assert not (workspace / "build").exists()  # nothing else was written either


def test_emit_removes_only_the_slices_it_wrote(tmp_path: Path):
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspaces/uv_monorepo", root)
    assert graphbuild("emit", cwd=root).returncode == 0
    locks = root / "build/locks"
    (locks / "constraints.txt").write_text("six<2\n")  # the team's own file
    stale = locks / "gone-image.txt"
    stale.write_text((locks / "services-api-api.txt").read_text())  # one emit wrote, now stale
    assert graphbuild("emit", cwd=root).returncode == 0
    assert (locks / "constraints.txt").read_text() == "six<2\n"
    assert not stale.exists()


def test_emit_empties_no_folder_outside_through_a_symlinked_slices_folder(tmp_path: Path):
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspaces/uv_monorepo", root)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_text("# The uv.lock packages of someone else\n")
    (root / "build").mkdir()
    (root / "build/locks").symlink_to(elsewhere)
    done = graphbuild("emit", cwd=root)
    assert done.returncode == 2, done.stderr
    assert (elsewhere / "notes.txt").exists()


def test_a_symlinked_state_folder_is_refused(workspace: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (workspace / ".graphbuild").symlink_to(elsewhere)
    line = one_line(graphbuild("plan", cwd=workspace))
    assert line == (
        "graphbuild: error: .graphbuild: .graphbuild is a symlink or not a folder: graphbuild"
        " keeps its state only in a folder of its own (remove it)"
    )
    assert list(elsewhere.iterdir()) == []


def test_build_never_writes_a_log_through_a_symlink(tmp_path: Path):
    from tests.support.fake_docker import fake_docker

    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspaces/raw_stages", root)
    assert graphbuild("emit", cwd=root).returncode == 0
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    logs = root / ".graphbuild/logs"
    logs.mkdir(parents=True)
    (logs / "acme-tool.log").symlink_to(victim)
    (logs / "acme-tool.iid").symlink_to(victim)  # docker writes its --iidfile there
    done = graphbuild(
        "build", "--driver", "docker-build", "--docker", fake_docker(tmp_path), cwd=root
    )
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "precious\n"
    for name in ("acme-tool.log", "acme-tool.iid"):
        assert (logs / name).is_file() and not (logs / name).is_symlink()


@pytest.mark.parametrize("pattern", ["src/**", "src"])
def test_a_symlinked_source_folder_is_hashed_as_docker_follows_it(workspace: Path, pattern: str):
    """COPY follows a source's symlinked folder: an edit behind the link rebuilds the stage."""
    tool = workspace / "tool"
    (tool / "src").rename(tool / "code")
    (tool / "src").symlink_to("code")
    build = tool / "BUILD.toml"
    build.write_text(build.read_text().replace('"src/**"', f'"{pattern}"'))
    assert graphbuild("lock", cwd=workspace).returncode == 0
    with (tool / "code/tool/__init__.py").open("a") as module:
        module.write("# an edit behind the link\n")
    done = graphbuild("plan", cwd=workspace)
    assert "input changed: tool/code/tool/__init__.py" in done.stdout, done.stdout + done.stderr


def test_a_same_size_edit_with_the_mtime_put_back_is_seen(workspace: Path):
    """The stat cache and the analysis memo notice ctime, which no edit can put back."""
    module = workspace / "tool/src/tool/__init__.py"
    module.write_text("A = 1\n")
    os.utime(module, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    time.sleep(RACY_NS / 1e9 + 0.1)  # past the racy window, so the stat cache keeps it
    assert graphbuild("lock", cwd=workspace).returncode == 0
    assert "unchanged" in graphbuild("plan", cwd=workspace).stdout
    (digests,) = (workspace / ".graphbuild").glob("digests-by-stat.v*")
    assert "tool/src/tool/__init__.py" in digests.read_text()  # the stat cache holds it
    before = module.stat()
    module.write_text("A = 2\n")
    os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (module.stat().st_size, module.stat().st_mtime_ns) == (
        before.st_size,
        before.st_mtime_ns,
    )
    done = graphbuild("plan", cwd=workspace)
    assert "input changed: tool/src/tool/__init__.py" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("with_git", [False, True])
def test_a_file_name_with_a_newline_is_hashed_and_shown_on_one_line(workspace: Path, with_git):
    """Docker sends a file whatever its name: `src/**` covers `a⏎b.py` too, and the plan names
    it escaped, so no file name can forge a line of the plan."""
    if with_git:
        commit_all(workspace)
    assert graphbuild("lock", cwd=workspace).returncode == 0
    (workspace / "tool/src/tool/a\nb.py").write_text("x = 1\n")
    if with_git:
        commit_all(workspace)
    done = graphbuild("plan", cwd=workspace)
    assert "             input added: tool/src/tool/a\\nb.py\n" in done.stdout, done.stdout


def commit_all(root: Path) -> None:
    """Commit everything in `root`, a git repository from the first call."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    if not (root / ".git").exists():
        subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "x", "--allow-empty"], cwd=root, check=True)


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 512 KiB file system of its own (tmpfs), unmounted afterwards."""
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(where)],
                             capture_output=True, text=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


@pytest.mark.parametrize("how", ["full", "read-only"])
@pytest.mark.parametrize("command", ["emit", "lock"])
def test_a_full_or_read_only_disk_is_one_line_and_leaves_the_old_files(
    small_disk: Path, how: str, command: str
):
    root = small_disk / "ws"
    shutil.copytree(FIXTURES / "workspaces/raw_stages", root)
    assert graphbuild("emit", cwd=root).returncode == 0
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    build = root / "tool/BUILD.toml"
    build.write_text(build.read_text().replace('echo \\"$GREETING\\"', 'echo \\"$GREETING!\\"'))
    before[build] = build.read_bytes()
    if how == "full":
        subprocess.run(["sh", "-c", f"cat /dev/zero > {small_disk}/filler"], capture_output=True)
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    line = one_line(graphbuild(command, cwd=root))
    why = "No space left on device" if how == "full" else "Read-only file system"
    first = "build/Dockerfile" if command == "emit" else "graphbuild.lock"
    assert line == f"graphbuild: error: {first}: cannot write: {why} (nothing was written)"
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert {p: d for p, d in after.items() if ".graphbuild" not in p.parts} == {
        p: d for p, d in before.items() if ".graphbuild" not in p.parts
    }


@pytest.mark.parametrize("command", ["import", "init"])
def test_a_crash_after_writing_leaves_no_file(tmp_path: Path, monkeypatch, command: str):
    """import and init check what they wrote by analysing it; whatever ends that check (an
    error, a crash, Ctrl-C), the files are put back as they were."""
    from graphbuild.cli import import_command, init_command
    from tests.support import run

    root = tmp_path / "ws"
    if command == "import":
        shutil.copytree(FIXTURES / "workspaces/raw_stages", root)
        (root / "svc").mkdir()
        (root / "svc/Dockerfile").write_text("FROM scratch\nCOPY Dockerfile /x\n")
        args = ["import", "svc/Dockerfile"]
    else:
        shutil.copytree(FIXTURES / "uv/shapes", root)
        args = ["init"]
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}

    def crash(*_args, **_kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(import_command if command == "import" else init_command, "analyze", crash)
    with pytest.raises(RecursionError):
        run(*args, cwd=root)
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_a_file_name_that_is_not_utf8(workspace: Path):
    """Anywhere it is only skipped over; as an input it is one line (the hash is UTF-8)."""
    (workspace / os.fsdecode(b"notes-\xff.txt")).write_text("x")
    assert graphbuild("plan", cwd=workspace).returncode in (0, 1)
    assert graphbuild("plan", cwd=workspace).returncode in (0, 1)  # and with the store
    (workspace / os.fsdecode(b"tool/src/bad-\xff.py")).write_text("x")
    line = one_line(graphbuild("plan", cwd=workspace))
    assert line.endswith("input tool/src/bad-\\xff.py: its file name is not UTF-8: rename it")


def test_a_tree_thousands_of_folders_deep(workspace: Path):
    deep = "/".join(["deep"] + ["d"] * 1300)  # outside any package; pathlib would recurse
    subprocess.run(["mkdir", "-p", deep], cwd=workspace, check=True)
    subprocess.run(["sh", "-c", f"echo x > {deep}/f.py"], cwd=workspace, check=True)
    try:
        assert graphbuild("plan", cwd=workspace).returncode in (0, 1)
        commit_all(workspace)
        done = graphbuild("plan", cwd=workspace)  # git's view of the same tree
        assert done.returncode in (0, 1), done.stderr[-2000:]
    finally:  # pytest's own clean-up of old temporary folders recurses: remove it here
        subprocess.run(["rm", "-rf", "deep"], cwd=workspace, check=True)


def test_a_build_that_writes_no_image_id_records_none(tmp_path: Path):
    """The docker-build driver read the previous build's --iidfile when a build wrote none."""
    from tests.support.fake_docker import fake_docker

    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspaces/raw_stages", root)
    assert graphbuild("emit", cwd=root).returncode == 0
    build = ["build", "--driver", "docker-build"]
    first = graphbuild(*build, "--docker", fake_docker(tmp_path), cwd=root)
    assert "built in" in first.stdout, first.stdout
    silent = tmp_path / "silent"
    silent.mkdir()
    docker = Path(fake_docker(silent))
    docker.write_text(docker.read_text().replace("printf 'sha256:%064d' 7 > \"$iidfile\"", "true"))
    second = graphbuild(*build, "--all", "--docker", str(docker), cwd=root)
    assert second.returncode == 0 and "done in" in second.stdout, second.stdout  # not "built"


@pytest.mark.parametrize(
    "line",
    ["sh <<RUN", 'echo "<<EOF"', "cat <<< x", "a<<EOF", "x <<-EOF", "x << EOF", 'x <<"E"',
     "<<EOF /x", "x 2<<EOF", "echo a<<b", 'python -c "1<<2"', "echo $((1<<2))", "echo '<<EOF'",
     "echo 'a b' <<X", 'echo "x <<EOF y"'],
)  # fmt: skip
def test_a_one_line_heredoc_is_read_as_buildkit_reads_it(line: str):
    """graphbuild's test of a one-line step agrees with BuildKit's own parser on whether the
    line starts a heredoc that would swallow the steps after it (then the step is refused)."""
    import dockerfile

    from graphbuild.core.steps import starts_heredoc

    for instruction in ("RUN", "COPY"):
        ends = "EOF\nRUN\nb\nE\nX\n"  # each delimiter a case may open, alone on a line
        parsed = dockerfile.parse_string(f"FROM x\n{instruction} {line}\nRUN next\n{ends}")
        swallowed = any(getattr(c, "heredocs", ()) for c in parsed)
        assert starts_heredoc(line) == swallowed, (instruction, line)


@pytest.mark.parametrize("ending", ["\\", "\\\\", "\\\\\\", "\\\\\\\\", "\\ ", "\\\\ ", "x"])
def test_a_line_ending_in_backslashes_joins_the_next_as_buildkit_says(ending: str):
    """One backslash at the end continues the line; two or more are text
    (`RUN echo x \\\\` was refused, though BuildKit and Docker 26 read it as one step)."""
    import dockerfile

    from graphbuild.core.errors import LoadError
    from graphbuild.core.steps import parse_step

    line = f"echo a {ending}"
    joins = len(dockerfile.parse_string(f"FROM x\nRUN {line}\nRUN next\n")) == 2
    try:
        parse_step(f"RUN {line}", "", file="BUILD.toml", label="//:a", key="steps[0]", line=1)
    except LoadError as err:
        assert joins and "would join the next Dockerfile line" in err.message
    else:
        assert not joins

"""The scan from git's index agrees with the plain walk, and hashes are the same whichever
path produced a file's digest: git's index with the object-id cache, the stat cache, or a
full read."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from graphbuild.analysis.delta import Reshape
from graphbuild.analysis.run import CACHE_DIR, Source, analyze
from graphbuild.definition.load import read_root, scan_exclusions
from graphbuild.tree.git_start import start_view
from graphbuild.tree.git_view import finish_git, git_view
from graphbuild.tree.walk import scan_workspace
from tests.support import git, run

API_SOURCE = "images/api/src/api/__main__.py"


@pytest.fixture
def repo(example: Path) -> Path:
    """The example workspace as a git repository with everything committed."""
    (example / ".gitignore").write_text(".graphbuild/\n*.log\n")
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    return example


def both_scans(root: Path):
    """The scan from git's view (the same whether the index was listed while status worked
    or after it) and the plain walk."""
    exclude = scan_exclusions(read_root(root))
    view = git_view(root, exclude)
    early = finish_git(root, start_view(root), exclude, list_early=True)
    assert view is not None and early is not None and early.listed is not None
    scan = view.scan()
    assert early.scan() == scan
    assert list(early.scan().entries.items()) == list(scan.entries.items())
    return scan, scan_workspace(root, exclude)


def assert_same_scan(root: Path) -> None:
    from_git, walked = both_scans(root)
    assert sorted(from_git.entries) == sorted(walked.entries)
    for path, entry in walked.entries.items():
        other = from_git.entries[path]
        assert (other.executable, other.link) == (entry.executable, entry.link), path
    assert from_git.build_files == walked.build_files
    assert from_git.nested == walked.nested
    assert dict(from_git.problems) == dict(walked.problems)


def all_hashes(root: Path, use_cache: bool, use_git: bool) -> dict[str, str]:
    hashes = analyze(root, use_cache=use_cache, use_git=use_git).hashes
    return {str(label): record.hash for label, record in hashes.stages.items()}


def assert_same_hashes(root: Path) -> dict[str, str]:
    """Full read without git, git without caches, git with caches (cold then warm), stat
    cache without git: all give the same hash for every stage."""
    shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
    truth = all_hashes(root, use_cache=False, use_git=False)
    assert all_hashes(root, use_cache=False, use_git=True) == truth
    assert all_hashes(root, use_cache=True, use_git=True) == truth
    assert all_hashes(root, use_cache=True, use_git=True) == truth
    assert all_hashes(root, use_cache=True, use_git=False) == truth
    return truth


def test_clean_repository_scan_matches_the_walk_and_reads_nothing_it_need_not(repo: Path):
    assert_same_scan(repo)
    from_git, _ = both_scans(repo)
    assert from_git.entries[API_SOURCE].blob is not None  # vouched for: never stat-ed
    assert from_git.entries[API_SOURCE].size == -1


def test_every_kind_of_change_is_seen(repo: Path):
    with open(repo / API_SOURCE, "a") as handle:  # modified, not staged
        handle.write("# edit\n")
    (repo / "images/worker/requirements.txt").write_text("requests==2.0\n")
    git(repo, "add", "images/worker/requirements.txt")  # staged, then changed again
    (repo / "images/worker/requirements.txt").write_text("requests==2.1\n")
    (repo / "images/worker/src").joinpath("new").mkdir()
    (repo / "images/worker/src/new/mod.py").write_text("x = 1\n")  # untracked folder
    (repo / "images/api/src/debug.log").write_text("ignored by git, not by graphbuild\n")
    (repo / "images/api/src/__pycache__").mkdir()
    (repo / "images/api/src/__pycache__/app.cpython-311.pyc").write_bytes(b"\0")  # excluded
    first = ["worker/__init__.py"]
    (repo / "images/worker/src" / first[0]).unlink()  # deleted
    os.chmod(repo / "images/worker/requirements.txt", 0o755)  # exec bit, which is hashed
    assert_same_scan(repo)
    assert_same_hashes(repo)


def test_hashes_identical_from_git_index_stat_cache_and_full_read(repo: Path):
    truth = assert_same_hashes(repo)
    with open(repo / API_SOURCE, "a") as handle:
        handle.write("# edit\n")
    warm = all_hashes(repo, use_cache=True, use_git=True)  # memo and caches from before
    moved = assert_same_hashes(repo)
    assert warm == moved != truth
    git(repo, "checkout", "-q", "--", API_SOURCE)
    assert all_hashes(repo, use_cache=True, use_git=True) == truth
    assert assert_same_hashes(repo) == truth


def hash_object(repo: Path, path: str) -> str:
    """git's own blob id of a working-tree file's bytes, as they are (no filters)."""
    return git(repo, "hash-object", "--no-filters", "--", path).strip()


def input_digest(repo: Path, path: str, **how: bool) -> str:
    """The blob id the analysis recorded for `path` (in the api image's stages): its own, the
    one among the files of a folder whose tree id was computed, or the one git's object store
    holds in the tree git gave its folder."""
    analysis = analyze(repo, **how)
    found = set()
    for record in analysis.hashes.stages.values():
        if path in record.inputs:
            found.add(record.inputs[path].blob)
        for folder, digest in record.inputs.items():
            if folder.endswith("/") and path.startswith(folder):
                if folder in record.contents:
                    found.add(record.contents[folder][path].blob)
                else:  # git's tree, not computed: none of its files was read
                    found.add(
                        git(repo, "rev-parse", f"{digest.tree}:{path[len(folder) :]}").strip()
                    )
    assert len(found) == 1, found
    return found.pop()


def test_file_digests_are_git_blob_ids_by_every_path(repo: Path):
    """The digest of a clean file is the id in git's index, and the same id computed from the
    bytes without git; `git hash-object` agrees."""
    expected = hash_object(repo, API_SOURCE)
    assert expected == git(repo, "rev-parse", f"HEAD:{API_SOURCE}").strip()
    assert input_digest(repo, API_SOURCE) == expected  # from the index
    assert input_digest(repo, API_SOURCE, use_git=False, use_cache=False) == expected
    with open(repo / API_SOURCE, "a") as handle:
        handle.write("# edit\n")  # not clean any more: read and hashed here
    edited = hash_object(repo, API_SOURCE)
    assert input_digest(repo, API_SOURCE) == edited != expected


CONVERSIONS = {
    "eol": ("*.py text eol=crlf\n", {}),
    "autocrlf": ("", {"core.autocrlf": "true"}),
    "filter": (
        "*.py filter=shout\n",
        {"filter.shout.smudge": "tr a-z A-Z", "filter.shout.clean": "tr A-Z a-z"},
    ),
    "working-tree-encoding": ("*.py working-tree-encoding=UTF-16LE\n", {}),
    "lfs-like filter": (
        "*.py filter=lfs\n",
        {"filter.lfs.smudge": "rev", "filter.lfs.clean": "rev"},
    ),
}


@pytest.mark.parametrize("kind", sorted(CONVERSIONS))
def test_a_checkout_that_rewrites_bytes_is_hashed_from_the_bytes_docker_sends(
    repo: Path, kind: str
):
    """eol conversion, a smudge filter (LFS is one), working-tree-encoding: the file git
    vouches for is not the file in the build context, so its digest comes from its bytes."""
    attributes, config = CONVERSIONS[kind]
    for key, value in config.items():
        git(repo, "config", key, value)
    if attributes:
        (repo / ".gitattributes").write_text(attributes)
    git(repo, "add", "--renormalize", ".")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", kind, "--allow-empty")
    for path in repo.rglob("*.py"):
        path.unlink()
    git(repo, "checkout", "-q", "--", ".")
    assert git(repo, "status", "--porcelain").strip() == ""  # clean: git vouches for it
    sent = hash_object(repo, API_SOURCE)  # the bytes in the working tree, as Docker reads them
    assert sent != git(repo, "rev-parse", f"HEAD:{API_SOURCE}").strip()  # not the blob's
    assert input_digest(repo, API_SOURCE) == sent
    assert input_digest(repo, API_SOURCE, use_git=False, use_cache=False) == sent
    assert input_digest(repo, API_SOURCE) == sent  # the memo and stat cache agree


@pytest.mark.parametrize(
    "attributes",
    [
        "* text=auto\n*.png binary\n",
        # microsoft/agent-framework's: git leaves its own encoding be
        "* text=auto eol=lf working-tree-encoding=UTF-8\n*.sh text eol=lf\n",
        "*.py working-tree-encoding=utf8\n",
    ],
)
def test_attributes_that_rewrite_nothing_leave_files_vouched_for(
    repo: Path, monkeypatch, attributes: str
):
    """`* text=auto` (common) converts nothing on Linux, nor does a working-tree-encoding of
    UTF-8 (git's own): no file is read, and git's checkout holds the blob's bytes."""
    import graphbuild.hashing.reading as reading

    (repo / ".gitattributes").write_text(attributes)
    git(repo, "add", "--renormalize", ".")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "attributes")
    for path in repo.rglob("*.py"):
        path.unlink()
    git(repo, "checkout", "-q", "--", ".")
    assert hash_object(repo, API_SOURCE) == git(repo, "rev-parse", f"HEAD:{API_SOURCE}").strip()
    shutil.rmtree(repo / CACHE_DIR, ignore_errors=True)
    read: list[str] = []
    real = reading.file_blob_id
    monkeypatch.setattr(reading, "file_blob_id", lambda path: read.append(str(path)) or real(path))
    analyze(repo)
    assert read == []


def test_assume_unchanged_and_skip_worktree_files_are_stat_ed(repo: Path):
    git(repo, "update-index", "--assume-unchanged", API_SOURCE)
    with open(repo / API_SOURCE, "a") as handle:
        handle.write("# git was told not to look\n")
    from_git, _ = both_scans(repo)
    assert from_git.entries[API_SOURCE].blob is None
    assert_same_hashes(repo)


def test_nested_workspace_and_symlink(repo: Path):
    nested = repo / "images/api/vendor/other"
    nested.mkdir(parents=True)
    (nested / "BUILD.toml").write_text('[workspace]\nname = "other"\n')
    (nested / "file.txt").write_text("not ours\n")
    (repo / "images/api/src/api/link.py").symlink_to("__main__.py")
    assert_same_scan(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "nested and link")
    assert_same_scan(repo)
    from_git, _ = both_scans(repo)
    assert from_git.nested == ("images/api/vendor/other",)
    assert from_git.entries["images/api/src/api/link.py"].link == "__main__.py"


def test_git_cannot_vouch_when_it_ignores_exec_bits_or_has_submodules(repo: Path, tmp_path: Path):
    exclude = scan_exclusions(read_root(repo))
    git(repo, "config", "core.fileMode", "false")
    assert git_view(repo, exclude) is None
    git(repo, "config", "core.fileMode", "true")
    assert git_view(repo, exclude) is not None
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    (other / "f").write_text("f\n")
    git(other, "add", "-A")
    git(other, "commit", "-qm", "f")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(other), "sub")
    assert git_view(repo, exclude) is None
    assert finish_git(repo, start_view(repo), exclude, list_early=True) is None
    assert_same_hashes(repo)  # the walk takes over


def test_workspace_in_a_subfolder_of_the_repository(tmp_path: Path, repo: Path):
    outer = tmp_path / "outer"
    shutil.copytree(repo, outer / "deep/ws", ignore=shutil.ignore_patterns(".git", CACHE_DIR))
    (outer / "elsewhere.txt").write_text("outside the workspace\n")
    git(outer, "init", "-q")
    git(outer, "add", "-A")
    git(outer, "commit", "-qm", "outer")
    ws = outer / "deep/ws"
    with open(ws / API_SOURCE, "a") as handle:
        handle.write("# edit\n")
    assert_same_scan(ws)
    assert_same_hashes(ws)


def test_no_git_repository_means_the_walk(example: Path):
    assert git_view(example, ()) is None


def settle(root: Path) -> None:
    """Age every file git does not vouch for past the racy window, so memos are written."""
    for path in root.rglob("*"):
        if ".git" not in path.parts and path.is_file():
            os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))


def test_a_few_edits_rehash_only_their_stages_and_agree_with_a_full_analysis(repo: Path):
    def few_edits() -> dict[str, str]:
        """The hashes of an analysis that must have taken the few-edits path."""
        analysis = analyze(repo)
        assert analysis.source is Source.FEW_EDITS, analysis.describe()
        return {str(label): record.hash for label, record in analysis.hashes.stages.items()}

    analyze(repo)  # the memo of the clean tree
    worker = "images/worker/src/worker/__main__.py"
    for n, path in enumerate([API_SOURCE, worker, API_SOURCE]):
        with open(repo / path, "a") as handle:
            handle.write(f"# edit {n}\n")
        settle(repo)
        assert few_edits() == all_hashes(repo, use_cache=False, use_git=False)
    os.chmod(repo / API_SOURCE, 0o755)
    settle(repo)
    truth = all_hashes(repo, use_cache=False, use_git=False)
    assert few_edits() == truth
    for step in (["add", "-A"], ["commit", "-qm", "edits"]):  # git's index moves, not the files
        git(repo, *step)
        assert few_edits() == truth
    git(repo, "checkout", "-q", "HEAD~1")  # back: the edited files change bytes again
    settle(repo)
    assert few_edits() == all_hashes(repo, use_cache=False, use_git=False)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("add a file a glob matches", Reshape.ADDED_OR_REMOVED),
        ("remove a file", Reshape.ADDED_OR_REMOVED),
        ("edit a BUILD.toml", Reshape.FOLDERS),  # git reports it, so it is stat-ed and listed
        ("add a symlink", Reshape.ADDED_OR_REMOVED),
        ("commit a new file", Reshape.INDEX_MEMBERSHIP),
    ],
)
def test_a_change_of_shape_takes_the_full_analysis(repo: Path, change: str, reason: Reshape):
    analyze(repo)
    if change == "add a file a glob matches":
        (repo / "images/api/src/api/extra.py").write_text("x = 2\n")
    elif change == "remove a file":
        (repo / "images/worker/src/worker/__init__.py").unlink()
    elif change == "edit a BUILD.toml":
        with open(repo / "images/worker/BUILD.toml", "a") as handle:
            handle.write("\n# a comment\n")
    elif change == "add a symlink":
        (repo / "images/api/src/api/alias.py").symlink_to("__main__.py")
    else:
        (repo / "images/api/src/api/extra.py").write_text("x = 2\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "extra")
    settle(repo)
    analysis = analyze(repo)
    assert (analysis.source, analysis.why) == (Source.FULL, reason.value)  # the shape moved
    assert analysis.hashes == analyze(repo, use_cache=False, use_git=False).hashes


def test_files_hashed_ahead_fail_only_when_they_are_inputs(
    example: Path, monkeypatch: pytest.MonkeyPatch
):
    """Package files are hashed before the inputs are known: one that cannot be read is an
    error only if a stage reads it."""
    import graphbuild.hashing.reading as digests

    (example / "images/base/notes.txt").write_text("in the package, read by no stage\n")

    def refuse(patcher: pytest.MonkeyPatch, names: tuple[str, ...]) -> None:
        """Reading a file whose path ends in one of `names` is denied, by either reader."""
        for name in ("file_blob_id", "opened_blob_id"):  # read once known; read ahead
            real = getattr(digests, name)

            def denied(path, real=real):  # type: ignore[no-untyped-def]
                if str(path).endswith(names):
                    raise PermissionError(13, "Permission denied")
                return real(path)

            patcher.setattr(digests, name, denied)

    with monkeypatch.context() as patcher:
        refuse(patcher, ("notes.txt", "api/__main__.py"))
        (example / API_SOURCE).unlink()
        (example / API_SOURCE).write_text("print('api')\n")  # no longer the locked bytes
        result = run("plan", cwd=example)
    assert result.code == 2
    assert result.err == (
        f"graphbuild: error: {API_SOURCE}: cannot read input {API_SOURCE}: Permission denied\n"
    )
    refuse(monkeypatch, ("notes.txt",))
    assert run("plan", "--check", cwd=example).code == 1  # changed; notes.txt never needed


def test_a_fresh_clone_reads_only_its_build_files(repo: Path, tmp_path: Path, monkeypatch):
    """A CI job on a fresh clone (no .graphbuild/) knows every clean file from git's index: the
    only workspace files graphbuild opens are its definition: the BUILD.toml files, and the uv
    workspace's pyproject.toml files and uv.lock (seen since they are read with os.open)."""
    import builtins

    clone = tmp_path / "clone"
    git(repo, "clone", "-q", str(repo), str(clone))
    opened: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def seen(file: object) -> None:
        path = Path(file) if isinstance(file, str | Path) else None
        own = {".git", ".graphbuild"}  # git's and graphbuild's own state, not the tree
        if path is not None and path.is_relative_to(clone) and not own & set(path.parts):
            opened.append(path.relative_to(clone).as_posix())

    def spy(file, *args, **kwargs):
        seen(file)
        return real_open(file, *args, **kwargs)

    def os_spy(file, *args, **kwargs):  # how the text files of the workspace are read
        seen(file)
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(os, "open", os_spy)
    analysis = analyze(clone)
    monkeypatch.undo()
    assert analysis.source is Source.FULL
    definition = ("BUILD.toml", "pyproject.toml", "uv.lock")
    others = [p for p in opened if p.rsplit("/", 1)[-1] not in definition]
    assert opened and not others, others
    assert any(path.endswith("BUILD.toml") for path in opened)
    assert analysis.hashes == analyze(clone, use_cache=False, use_git=False).hashes


def test_only_a_first_plan_lists_the_index_while_status_works(repo: Path, monkeypatch):
    """A store with nothing in it (a fresh clone's) means the files will be listed, so the
    listing overlaps git's status, once; with a memo stored, the listing would only compete
    with status and the memo's reading for the two cores."""
    from graphbuild.analysis import start
    from graphbuild.tree import git_view as view_module

    asked: list[bool] = []
    listings: list[int] = []
    finish, list_index = start.finish_git, view_module.list_index
    monkeypatch.setattr(
        start, "finish_git", lambda *a, **k: (asked.append(k["list_early"]), finish(*a, **k))[1]
    )
    monkeypatch.setattr(
        view_module, "list_index", lambda *a: (listings.append(1), list_index(*a))[1]
    )
    assert run("plan", cwd=repo).code == 0
    assert (asked, listings) == ([True], [1])  # early, and the scan took it
    asked.clear()
    with open(repo / API_SOURCE, "a") as handle:
        handle.write("# edit\n")
    assert run("plan", cwd=repo).code == 0
    assert asked == [False]

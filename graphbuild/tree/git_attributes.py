"""Which files git vouches for whose working-tree bytes (what Docker sends) may still differ
from the blob in the index: an eol conversion, a clean/smudge filter (LFS), a
working-tree-encoding or `ident`. Those are read and hashed from their bytes. Found from git's
attributes, asked only when some attributes file or setting could make a difference."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from graphbuild.tree.git import git_env

ATTRIBUTES = ("text", "eol", "crlf", "filter", "working-tree-encoding", "ident")
NOT_SET = ("unspecified", "unset")
TRUE = ("true", "yes", "on", "1")
ATTRIBUTES_FILE = b".gitattributes\0"


def parse_config(out: bytes | None) -> dict[str, str]:
    """`git config -z --get-regexp` output as key -> value (keys lower-case)."""
    found = {}
    for entry in (out or b"").split(b"\0"):
        key, _, value = entry.decode("utf-8", "surrogateescape").partition("\n")
        if key:
            found[key.lower()] = value
    return found


def lists_attributes_file(listing: bytes) -> bool:
    """True when git's index listing or status names a `.gitattributes` file (bytes.find, not a
    regular expression: the listing of 200,000 files is searched on every plan)."""
    at = listing.find(ATTRIBUTES_FILE)
    while at >= 0:
        if at == 0 or listing[at - 1 : at] in (b"\t", b"/", b" "):
            return True
        at = listing.find(ATTRIBUTES_FILE, at + 1)
    return False


def attributes_may_apply(
    root: Path, depth: int, listings: Iterable[bytes], config: Mapping[str, str], info: str
) -> bool:
    """True when an attributes file or setting could apply to the workspace's files: a
    .gitattributes in it or in a folder above it up to the repository's top (`depth` levels),
    the repository's info/attributes, core.attributesFile, the user's or the system's file,
    or core.autocrlf."""
    if any(lists_attributes_file(listing) for listing in listings):
        return True
    folders = [root, *list(root.parents)[:depth]]
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    candidates = [
        *(folder / ".gitattributes" for folder in folders),
        root / info if info else None,
        xdg / "git" / "attributes",
        Path("/etc/gitattributes"),
    ]
    if "core.attributesfile" in config or config.get("core.autocrlf", "").lower() in TRUE:
        return True
    return any(path is not None and path.exists() for path in candidates)


def converted(values: Mapping[str, str], config: Mapping[str, str]) -> bool:
    """Whether a checkout may write other bytes than the blob's, given a file's attributes."""
    if values.get("filter", "unspecified") not in NOT_SET:
        return True  # a smudge filter (LFS, a team's own) may rewrite it
    encoding = values.get("working-tree-encoding", "unspecified")
    if encoding not in NOT_SET and encoding.lower() not in ("utf-8", "utf8"):
        return True  # git converts to it on checkout (UTF-8 is its own: git leaves it be)
    if values.get("ident") == "set":
        return True
    autocrlf = config.get("core.autocrlf", "false").lower() in TRUE
    crlf_by_default = autocrlf or config.get("core.eol", "").lower() == "crlf"
    eol = values.get("eol", "unspecified")
    text = values.get("text", "unspecified")
    if values.get("crlf") == "set":  # the old spelling of `text`
        text = "set"
    if eol == "crlf":
        return text != "unset"
    if text in ("set", "auto"):
        return eol == "unspecified" and crlf_by_default
    return text == "unspecified" and autocrlf  # core.autocrlf guesses which files are text


def converted_paths(
    root: Path, paths: list[str], config: Mapping[str, str], commit: str | None = None
) -> set[str]:
    """Those of `paths` (relative to `root`) whose checkout may differ from their blob: with
    the attributes files of the work tree, or those committed at `commit` (read into an index
    of its own: git 2.39 has no `check-attr --source`)."""
    if not paths:
        return set()
    if commit is None:
        return asked_check_attr(root, paths, config, git_env(), ())
    with tempfile.TemporaryDirectory(prefix="graphbuild-index-") as temp:
        env = {**git_env(), "GIT_INDEX_FILE": os.path.join(temp, "index")}
        read = subprocess.run(
            ["git", "read-tree", commit], cwd=root, env=env, capture_output=True, check=False
        )
        if read.returncode != 0:
            return set(paths)
        return asked_check_attr(root, paths, config, env, ("--cached",))


def asked_check_attr(
    root: Path,
    paths: list[str],
    config: Mapping[str, str],
    env: Mapping[str, str],
    more: tuple[str, ...],
) -> set[str]:
    """converted_paths, asked of `git check-attr` in `env` with the options `more`."""
    result = subprocess.run(
        ["git", "check-attr", *more, "-z", "--stdin", *ATTRIBUTES],
        cwd=root,
        env=env,
        input="\0".join(paths).encode("utf-8", "surrogateescape") + b"\0",
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        return set(paths)  # git could not say: read them all, never trust a guess
    fields = result.stdout.split(b"\0")
    by_path: dict[str, dict[str, str]] = {}
    for i in range(0, len(fields) - 2, 3):
        path = fields[i].decode("utf-8", "surrogateescape")
        by_path.setdefault(path, {})[fields[i + 1].decode()] = fields[i + 2].decode()
    return {path for path, values in by_path.items() if converted(values, config)}

"""Shared fixtures: copies of the example workspace, an in-process CLI runner, file snapshots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from tests.support import Result, copy_example, run


class TextSnapshot(SingleFileSnapshotExtension):
    """A whole text file as its own snapshot file."""

    _write_mode = WriteMode.TEXT
    file_extension = "txt"


class JSONSnapshot(TextSnapshot):
    file_extension = "json"


class DockerfileSnapshot(TextSnapshot):
    file_extension = "Dockerfile"


class TOMLSnapshot(TextSnapshot):
    file_extension = "toml"


@pytest.fixture
def text_snapshot(snapshot):
    return snapshot.use_extension(TextSnapshot)


@pytest.fixture
def json_snapshot(snapshot):
    return snapshot.use_extension(JSONSnapshot)


@pytest.fixture
def dockerfile_snapshot(snapshot):
    return snapshot.use_extension(DockerfileSnapshot)


@pytest.fixture
def toml_snapshot(snapshot):
    return snapshot.use_extension(TOMLSnapshot)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A fresh copy of the example workspace."""
    return copy_example(tmp_path / "ws")


@pytest.fixture
def cli() -> Callable[..., Result]:
    return run


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as settled (no racy window): a test's files were all just written,
    so their ctimes are now, and no utime can age a ctime."""
    from graphbuild.hashing import file_digests

    monkeypatch.setattr(file_digests, "RACY_NS", -3600 * 10**9)

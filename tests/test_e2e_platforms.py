"""On the real engine: a base the engine holds for amd64 only, asked for amd64 and arm64, is
refused before anything builds, with one line naming it and what it has."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e_support import BASES, DRIVERS
from tests.support import run

pytestmark = pytest.mark.e2e


def test_a_base_without_arm64_is_refused_before_building(tmp_path: Path):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "BUILD.toml").write_text(
        '[workspace]\nname = "two"\nplatforms = ["linux/amd64", "linux/arm64"]\n\n'
        f'[external.bookworm]\nimage = "{BASES["bookworm"]}"\n\n'
        '[[target]]\nname = "app"\nrule = "stages"\nimage = true\nfrom = "@bookworm"\n'
        'steps = ["RUN echo built"]\n'
    )
    assert run("emit", cwd=root).code == 0
    result = run("build", "--driver", DRIVERS[0], cwd=root)
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "graphbuild: error: BUILD.toml: external.bookworm: graphbuild-e2e/debian:bookworm has "
        "no linux/arm64: it has linux/amd64 (build for what it has, or use an image that has "
        "them)\n"
    )
    assert not (root / ".graphbuild/logs/app.log").exists()  # nothing ran

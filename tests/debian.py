"""The machine's Debian mirror, and the python_source scenario pointed at it: shared by the
end-to-end tests and tools/bench_images (no pytest here)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures/workspaces/python_source"
LOCAL_BASES = {  # the bases tools/engine imports
    "bookworm": "graphbuild-e2e/debian:bookworm",
    "trixie": "graphbuild-e2e/debian:trixie",
}
# bookworm for linux/amd64 and linux/arm64 as one index in the loopback registry (tools/engine)
MULTI_BASE = "127.0.0.1:5000/graphbuild-e2e/debian:bookworm-multi"
# the second daemon tools/engine starts: another builder for the spread driver's tests
SECOND_ENGINE = "unix:///run/graphbuild-engine-b.sock"
FIXTURE_MIRROR = "https://deb.debian.org/debian"  # what the fixture's tarball URL names


def mirror(sources: Path = Path("/etc/apt")) -> str:
    """The Debian mirror the machine's apt sources name (deb822 or one-line), as https: the
    source method only fetches over TLS."""
    texts = [p.read_text() for p in sorted(sources.glob("sources.list.d/*.sources"))]
    one_line = sources / "sources.list"
    for text in texts:
        if found := re.search(r"^URIs:\s*(\S+/debian)/?\s*$", text, re.M):
            return re.sub(r"^http://", "https://", found.group(1))
    if one_line.exists() and (
        found := re.search(r"^deb\s+(\S+/debian)/?\s", one_line.read_text(), re.M)
    ):
        return re.sub(r"^http://", "https://", found.group(1))
    raise RuntimeError(f"no Debian mirror in {sources}'s sources")


def on_local_bases(root: Path) -> None:
    """Point the workspace's pinned Debian bases at the images tools/engine imported."""
    build_toml = root / "BUILD.toml"
    text = build_toml.read_text()
    for suite, image in LOCAL_BASES.items():
        pinned = rf'image = "debian:{suite}-slim@sha256:[0-9a-f]+"'
        text = re.sub(pinned, f'image = "{image}"', text)
    build_toml.write_text(text)


def python_source_workspace(root: Path) -> Path:
    """The python_source scenario copied to `root`, on the local bases, its tarball fetched
    from this machine's mirror (the pool holds the unmodified upstream tarball)."""
    shutil.copytree(FIXTURE, root)
    on_local_bases(root)
    base = root / "images/base/BUILD.toml"
    base.write_text(base.read_text().replace(FIXTURE_MIRROR, mirror()))
    return root

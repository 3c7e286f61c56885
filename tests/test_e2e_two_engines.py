"""Two real engines (this machine's daemon and the second one tools/engine starts): the
example's images spread over both through the spread driver and pushed, each image's line
naming where it ran; then the second engine, its own cache emptied, builds every image again
from the registry cache the first one exported: BuildKit's log imports the cache manifest and
every RUN step is CACHED."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.debian import SECOND_ENGINE, on_local_bases
from tests.e2e_support import docker, steps_in
from tests.support import copy_example, run

pytestmark = pytest.mark.e2e


@pytest.fixture
def engines() -> Iterator[tuple[str, str]]:
    """A context on each engine; removed after."""
    nonce = uuid.uuid4().hex[:8]
    first, second = f"gb-first-{nonce}", f"gb-second-{nonce}"
    docker("context", "create", first, "--docker", "host=unix:///var/run/docker.sock")
    docker("context", "create", second, "--docker", f"host={SECOND_ENGINE}")
    yield first, second
    docker("context", "rm", "--force", first, second, check=False)


def test_the_example_spreads_over_two_engines_and_shares_their_cache(
    tmp_path: Path, engines: tuple[str, str]
):
    first, second = engines
    root = copy_example(tmp_path / "ws")
    on_local_bases(root)
    namespace = f"127.0.0.1:5000/two-{uuid.uuid4().hex[:8]}"
    build_toml = root / "BUILD.toml"
    build_toml.write_text(re.sub(
        r'^registry = .*$', f'registry = "{namespace}"\ncache = "registry"',
        build_toml.read_text(), count=1, flags=re.M,
    ))  # fmt: skip
    assert run("emit", cwd=root).code == 0
    result = run("build", "--all", "--push", "--driver", "spread", "--builders",
                 f"{first},{second}", cwd=root)  # fmt: skip
    assert result.code == 0, result.out[-3000:]
    ran = dict(re.findall(r"^\[([\w.-]+)\] ran on ([\w-]+):", result.out, re.M))
    assert sorted(ran) == ["api", "api-dev", "report", "worker-3-11", "worker-3-13"]
    assert set(ran.values()) == {first, second}, ran  # both engines built images
    docker("-H", SECOND_ENGINE, "builder", "prune", "--all", "--force")
    again = run("build", "--all", "--push", "--driver", "spread", "--builders", second, cwd=root)
    assert again.code == 0, again.out[-3000:]
    log = (root / ".graphbuild/logs/api.log").read_text()
    assert f"importing cache manifest from {namespace}/cache:api" in log
    runs = {text: status for text, (_, status) in steps_in(log).items() if text.startswith("RUN")}
    assert runs and set(runs.values()) == {"CACHED"}, runs

"""The bundled example changed the way a test needs: shared by the fast and the e2e tests."""

from __future__ import annotations

from pathlib import Path


def with_api_tests(example: Path, test_body: str) -> None:
    """The example's API (a uv member, installed as a package) with a test of its own."""
    (example / "images/api/tests").mkdir()
    (example / "images/api/tests/test_api.py").write_text(test_body)
    (example / "images/api/requirements-test.txt").write_text("pytest==8.3.4\n")
    build = example / "images/api/BUILD.toml"
    build.write_text(
        build.read_text().replace(
            "healthcheck = [",
            'tests = ["tests/"]\ntest_requirements = ["requirements-test.txt"]\nhealthcheck = [',
        )
    )


API_TEST = """\
from api import app


def test_healthz():
    assert app.test_client().get("/healthz").get_json()["status"] == "ok"
"""

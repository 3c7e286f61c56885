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


def with_image_on_report(example: Path) -> None:
    """The example with an image built FROM another image: `nightly`, on the report's, for
    the tests of what a build does with an image whose parent image failed or is still
    building (the bundled images share stages, not images)."""
    build = example / "images/report/BUILD.toml"
    build.write_text(
        build.read_text()
        + '\n[[target]]\nname = "nightly"\nrule = "stages"\nimage = true\nfrom = ":report"\n'
        'steps = ["ENV REPORT_SCHEDULE=nightly", "RUN python -c \'import report\'"]\n'
    )

"""python_app's test stages: #test-run (the builder's venv, the test tools, the app and its
tests, then the test command, its reports and exit code kept), #test (fails when the tests did)
and #test-report (just the reports, what `build --test` exports)."""

from __future__ import annotations

import posixpath
import shlex
from typing import TYPE_CHECKING

from graphbuild.core.model import Target
from graphbuild.rules.builder import StageBuilder
from graphbuild.rules.builtin.common import check_index_url, pip_flags, pip_mounts, venv_env
from graphbuild.rules.builtin.python_wheels import BUILD_VENV
from graphbuild.rules.builtin.uv_builder import MEMBER_PREFIX, UV_CACHE

if TYPE_CHECKING:
    from graphbuild.rules.builtin.python_app import PythonApp

TEST_REPORTS = "/test-reports"  # where a #test-run stage keeps reports and the exit code


def test_stages(
    target: Target, config: PythonApp, builder: str, venv: str, member: str | None
) -> list[StageBuilder]:
    """#test-run runs the tests and keeps their reports and exit code in /test-reports;
    #test-report holds just those files (what `build --test` exports, passed or failed);
    #test fails when the tests did (what a bake of the test group checks)."""
    run = test_run_stage(target, config, builder, venv, member)
    check = StageBuilder(target, "test", str(target.label.with_stage("test-run")))
    check.run("test_command", f'exit "$(cat {TEST_REPORTS}/exit-code)"')
    report = StageBuilder(target, "test-report", "scratch")
    report.copy_from(
        "test_command", str(target.label.with_stage("test-run")), TEST_REPORTS + "/", "/"
    )
    return [run, check, report]


def test_run_stage(
    target: Target, config: PythonApp, builder: str, venv: str, member: str | None
) -> StageBuilder:
    """#test-run: the builder's venv plus the test tools, the source and the tests, then the
    test command, its JUnit XML (pytest's, through PYTEST_ADDOPTS) and exit code kept in
    /test-reports, where any other command may write its reports too. Nothing is copied from
    it into the image."""
    workdir = config.workdir.rstrip("/")
    spec = StageBuilder(target, "test-run", builder)
    spec.inputs += [*config.test_requirements, *config.src, *config.tests]
    for path in config.test_requirements:
        spec.copy("test_requirements", [path], posixpath.join("/build/test", path))
    if config.test_requirements:
        files = " ".join(f"-r {posixpath.join('/build/test', p)}" for p in config.test_requirements)
        if config.project is not None:  # the builder has uv and no build venv
            command = f"uv pip install --python {venv}/bin/python {files}"
            spec.run("test_requirements", command, UV_CACHE)
        else:
            spec.run(
                "test_requirements",
                f"{BUILD_VENV}/bin/pip --python {venv}/bin/python install"
                f"{pip_flags(check_index_url(target, config.index_url))} {files}",
                pip_mounts(config.index_url),
            )
    if member is not None:  # a uv member: installed into the venv as its image has it
        spec.copy_from("project", member, MEMBER_PREFIX + "/", venv + "/")
    if config.src:
        spec.copy("src", config.src, workdir + "/")
    for path in config.tests:
        spec.copy("tests", [path], posixpath.join(workdir, path))
    spec.env("test_command", venv_env(venv))
    spec.instruction("test_command", "WORKDIR", config.workdir)
    reports = (
        f'PYTEST_ADDOPTS="${{PYTEST_ADDOPTS:-}} --junitxml={TEST_REPORTS}/junit.xml"'
        f" GRAPHBUILD_TEST_REPORTS={TEST_REPORTS}"
    )
    command = f"{reports} {shlex.join(config.test_command)}; echo $? > {TEST_REPORTS}/exit-code"
    spec.run("test_command", f"mkdir -p {TEST_REPORTS} && {{ {command}; }}")
    return spec

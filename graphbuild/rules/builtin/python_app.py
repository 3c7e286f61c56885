"""`python_app`: a service image: builder apart from runtime, venv copied whole, source last.

Stages: `#builder` (the python_wheels builder, unless `wheels` names a shared one),
`#runtime-base` (the interpreter and the app user: identical for every app on the same
interpreter, so emitted once), and the image itself: the runtime libraries, the venv copied
whole (root-owned, so the app user cannot write it), the environment, the numeric USER, and the
source copied LAST so a source edit invalidates that one layer only.
"""

from __future__ import annotations

import json
import re

from graphbuild.core.errors import LoadError
from graphbuild.core.model import Expansion, Settings, Target
from graphbuild.definition.fields import Key, check_args
from graphbuild.rules.api import Rule
from graphbuild.rules.builtin.common import (
    VENV,
    StageSpec,
    apt_install,
    check_label,
    check_packages,
)
from graphbuild.rules.builtin.python_wheels import WHEEL_KEYS, wheels_stage

SCHEMA = {
    **WHEEL_KEYS,
    "wheels": Key("str"),
    "runtime_packages": Key("list[str]", default=[]),
    "src": Key("list[str]", required=True),
    "workdir": Key("str", default="/app"),
    "cmd": Key("list[str]"),
    "entrypoint": Key("list[str]"),
    "env": Key("table[str]", default={}),
    "expose": Key("list[str|int]", default=[]),
    "healthcheck": Key("list[str]"),
    "healthcheck_interval": Key("str", default="30s"),
    "user": Key("str", default="app"),
    "uid": Key("int", default=10001),
}
USER_RE = re.compile(r"[a-z_][a-z0-9_-]*\Z")
DURATION_RE = re.compile(r"\d+(ms|s|m|h)\Z")
PATH_RE = re.compile(r"/[A-Za-z0-9_./-]*\Z")


def env_value(value: str) -> str:
    """An ENV value as a double-quoted Dockerfile word."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_app(target: Target) -> None:
    """The keys the rule cannot leave to the Dockerfile parser."""
    config = target.config
    if not USER_RE.match(config["user"]):
        raise LoadError.at(target, "user", f"invalid user name {config['user']!r}")
    if not 1000 <= config["uid"] < 2**31:
        raise LoadError.at(target, "uid", "use a fixed uid of 1000 or more (0 is root)")
    if not PATH_RE.match(config["workdir"]):
        raise LoadError.at(
            target, "workdir", f"expected an absolute path, got {config['workdir']!r}"
        )
    if not DURATION_RE.match(config["healthcheck_interval"]):
        raise LoadError.at(target, "healthcheck_interval", "expected a duration like 30s")
    if config["cmd"] is None and config["entrypoint"] is None:
        raise LoadError.at(target, "cmd", "give cmd or entrypoint (an array: the exec form)")
    if config["wheels"] is not None and config["requirements"]:
        raise LoadError.at(
            target, "wheels", "give either wheels (a shared builder) or requirements"
        )
    for i, port in enumerate(config["expose"]):
        if not re.fullmatch(r"\d{1,5}(/(tcp|udp))?", str(port)):
            raise LoadError.at(target, f"expose[{i}]", f"invalid port {port!r}")
    for i, path in enumerate(config["src"]):
        if path.startswith("/") or ".." in path.split("/") or any(c in path for c in " \"'$\\"):
            raise LoadError.at(target, f"src[{i}]", f"invalid source path {path!r}")
    check_args(dict(config["env"]), lambda key, m: LoadError.at(target, key, m), "env.")


def app_stages(target: Target, settings: Settings) -> list[StageSpec]:
    """#builder, #runtime-base and the runtime image."""
    check_app(target)
    config = target.config
    python = check_label(target, "python", config["python"])
    uid, user = config["uid"], config["user"]
    specs: list[StageSpec] = []
    builder = None
    if config["wheels"] is not None:
        builder = check_label(target, "wheels", config["wheels"])
    elif config["requirements"]:
        specs.append(wheels_stage(target, config, "builder"))
        builder = str(target.label.with_stage("builder"))
    base = StageSpec("runtime-base", python)
    base.add(
        "user",
        f"RUN groupadd --system --gid {uid} {user} && useradd --system --uid {uid} --gid {uid}"
        f" --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin {user}",
    )
    specs.append(base)
    runtime = StageSpec(None, str(target.label.with_stage("runtime-base")))
    packages = check_packages(target, "runtime_packages", config["runtime_packages"])
    if packages:
        runtime.add("runtime_packages", apt_install(packages))
    venv = config["venv"] if builder is not None else None
    if builder is not None:
        venv = venv or VENV
        runtime.add("venv", f"COPY --from={builder} {venv} {venv}")
    env = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
    if venv:
        env |= {"VIRTUAL_ENV": venv, "PATH": f"{venv}/bin:$PATH"}
    env |= dict(config["env"])
    runtime.add("env", "ENV " + " ".join(f"{k}={env_value(v)}" for k, v in sorted(env.items())))
    runtime.add("workdir", f"WORKDIR {config['workdir']}")
    if config["expose"]:
        runtime.add("expose", "EXPOSE " + " ".join(str(p) for p in config["expose"]))
    if config["healthcheck"]:
        interval, command = config["healthcheck_interval"], json.dumps(config["healthcheck"])
        runtime.add("healthcheck", f"HEALTHCHECK --interval={interval} CMD {command}")
    runtime.add("uid", f"USER {uid}:{uid}")
    if config["entrypoint"] is not None:
        runtime.add("entrypoint", f"ENTRYPOINT {json.dumps(list(config['entrypoint']))}")
    if config["cmd"] is not None:
        runtime.add("cmd", f"CMD {json.dumps(list(config['cmd']))}")
    runtime.inputs += list(config["src"])
    destination = config["workdir"].rstrip("/") + "/"
    runtime.add("src", f"COPY {' '.join(config['src'])} {destination}")
    specs.append(runtime)
    return specs


def expand_python_app(target: Target, settings: Settings) -> Expansion:
    """The app's stages; the runtime image is the target's output."""
    stages = tuple(spec.build(target, settings) for spec in app_stages(target, settings))
    return Expansion(target=target, stages=stages, output=target.label)


RULE = Rule(name="python_app", schema=SCHEMA, expand=expand_python_app, image_default=True)

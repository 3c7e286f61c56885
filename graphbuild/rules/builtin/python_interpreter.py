"""`python_interpreter`: CPython X.Y on a base, by one of five methods, as a runtime stage plus a
`#dev` stage to build extensions on.

- `distro`, `deadsnakes`: the distro's (or the deadsnakes PPA's) python3.X packages.
- `image`: an image that already holds CPython (`python_image`: the official python:3.X-slim,
  pinned by digest), its interpreter at `path`; the build checks it is the declared version.
- `source`, `python-build`, `pyenv`: built in `#build` (compilers and -dev packages), trimmed in
  `#prep` as an expert would (binaries and shared objects stripped; no static library, headers,
  test trees, IDLE, installers or ensurepip bundle; orphaned and optimised .pyc removed, the
  stdlib's ordinary .pyc kept: imports are much slower without them), and copied into the
  runtime in ONE layer next to only the shared libraries it needs. `#dev` gets the headers and
  ensurepip back from `#build`, to make build venvs and compile extensions.
Every method puts `python` on PATH, so the rules built on it need not know which was used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from graphbuild.core.errors import LoadError
from graphbuild.core.facts import Facts, Interpreter
from graphbuild.core.model import Expansion, Target
from graphbuild.definition.fields import MatrixSugar, ValueType, option
from graphbuild.rules.api import Context, Rule
from graphbuild.rules.builder import StageBuilder
from graphbuild.rules.builtin.common import (
    SHA256_HEX_RE,
    apt_caches_of,
    apt_install,
    apt_mounts,
    check_packages,
)
from graphbuild.rules.builtin.cpython import (
    BUILD_PACKAGES,
    DEV_PACKAGES,
    RUNTIME_PACKAGES,
    configure_flags,
    trim,
)

METHODS = ("distro", "deadsnakes", "source", "python-build", "pyenv", "image")
S, L = ValueType.STR, ValueType.STR_LIST


@attrs.frozen
class PythonInterpreter:
    """The keys of a python_interpreter target."""

    base: str | None = option(
        S, "The base to install on: a distro_base target (or raw stages, or @external); every "
        "method but image needs it.", label_of=("distro_base", "stages"), or_image=True,
    )  # fmt: skip
    version: str | None = option(S, "The CPython version, e.g. '3.12'.")
    versions: tuple[str, ...] = option(
        L, "Several versions: a matrix over `python` (labels end in @3.X).", default=[]
    )
    method: str = option(S, "How CPython is installed.", default="distro", choices=METHODS)
    release: str | None = option(S, "The full release to build, e.g. '3.12.7'.")
    url: str | None = option(S, "The source tarball's https:// URL (method source).")
    sha256: str | None = option(S, "The source tarball's SHA-256 (method source).")
    releases: Mapping[str, Mapping[str, str]] = option(
        ValueType.STR_TABLE_TABLE, "release, url and sha256 per version.", default={}
    )
    prefix: str = option(S, "Where a built CPython is installed.", default="/opt/python")
    python_image: str | None = option(
        S, "An image that holds CPython, @external pinned by digest (method image)."
    )
    path: str | None = option(S, "Its interpreter, e.g. /usr/local/bin/python3.12 (method image).")
    ensurepip: bool = option(
        ValueType.BOOL, "Keep pip in a built CPython's runtime (and its ensurepip bundle).",
        default=False,
    )  # fmt: skip
    optimize: bool = option(
        ValueType.BOOL, "Build CPython with --enable-optimizations --with-lto (PGO + LTO: "
        "faster, but the build takes several times longer).", default=False,
    )  # fmt: skip
    pyenv_ref: str | None = option(S, "The pyenv release tag (methods pyenv, python-build).")
    configure_flags: tuple[str, ...] = option(
        L, "Extra ./configure flags of a built CPython.", default=[]
    )
    build_packages: tuple[str, ...] | None = option(
        L, "Debian packages to build CPython with (default: its usual build dependencies)."
    )
    runtime_packages: tuple[str, ...] | None = option(
        L, "Debian packages a built CPython links to (default: bookworm's names)."
    )


RELEASE_KEYS = ("release", "url", "sha256")
VERSION_RE = re.compile(r"3\.\d+\Z")
RELEASE_RE = re.compile(r"3\.\d+\.\d+\Z")
GIT_REF_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*\Z")
PYENV_REPO = "https://github.com/pyenv/pyenv.git"


def release_config(target: Target, config: PythonInterpreter) -> dict[str, str | None]:
    """release/url/sha256 for this version: the target's own keys, else `releases[version]`."""
    per_version = config.releases.get(config.version or "", {})
    for key in per_version:
        if key not in RELEASE_KEYS:
            raise LoadError.at(target, f"releases.{config.version}.{key}", "unknown key")
    own = {"release": config.release, "url": config.url, "sha256": config.sha256}
    return {k: own[k] if own[k] is not None else per_version.get(k) for k in RELEASE_KEYS}


def image_stages(target: Target, config: PythonInterpreter) -> list[StageBuilder]:
    """The image as the runtime, checked to hold the declared version at `path` (and `python`
    on PATH); `#dev` adds compilers. Builder and runtime share the very same interpreter."""
    image = config.python_image
    if image is None or not image.startswith("@"):
        raise LoadError.at(
            target, "python_image", 'method image needs python_image = "@external" (pinned)'
        )
    path = config.path
    if path is None or not re.fullmatch(r"/[A-Za-z0-9_./-]+", path):
        raise LoadError.at(target, "path", "method image needs the interpreter's absolute path")
    major, minor = (config.version or "").split(".")
    check = f"{path} -c 'import sys; sys.exit(sys.version_info[:2] != ({major}, {minor}))'"
    link = f" && ln -sf {path} /usr/local/bin/python" if path != "/usr/local/bin/python" else ""
    runtime = StageBuilder(target, None, image).run("path", check + link)
    dev = StageBuilder(target, "dev", str(target.label))
    apt_install(dev, "method", DEV_PACKAGES, None)  # the image's distro is not known
    return [runtime, dev]


def distro_stages(
    target: Target, config: PythonInterpreter, method: str, caches: str | None
) -> list[StageBuilder]:
    """python3.X from apt (deadsnakes: after adding the PPA, whose tooling is removed again);
    the runtime gets the interpreter only, the dev stage what creates and builds venvs."""
    version = config.version
    packages = [f"python{version}"]
    runtime = StageBuilder(target, None, config.base or "")
    if method == "distro":
        apt_install(runtime, "method", packages, caches)
    else:
        tools = "software-properties-common gpg-agent"
        runtime.run(
            "method",
            f"apt-get update && apt-get install -y --no-install-recommends {tools}"
            f" && add-apt-repository -y ppa:deadsnakes/ppa && apt-get install -y"
            f" --no-install-recommends {' '.join(packages)}"
            f" && apt-get purge -y --auto-remove {tools}",
            apt_mounts(caches),
        )
    runtime.run("version", f"ln -sf /usr/bin/python{version} /usr/local/bin/python")
    dev = StageBuilder(target, "dev", str(target.label))
    dev_packages = [*DEV_PACKAGES, f"python{version}-dev", f"python{version}-venv"]
    apt_install(dev, "method", dev_packages, caches)
    return [runtime, dev]


def source_build(
    target: Target, config: PythonInterpreter, release: dict[str, str | None], prefix: str
) -> str:
    """Download the tarball, check its SHA-256, configure, make, install."""
    url, sha256 = release["url"], release["sha256"]
    if not url or not url.startswith("https://"):
        raise LoadError.at(target, "url", "the source method needs the tarball's https:// URL")
    if not sha256 or not SHA256_HEX_RE.match(sha256):
        raise LoadError.at(
            target, "sha256", "the source method needs the tarball's SHA-256 (64 hex)"
        )
    flags = " ".join(configure_flags(config.ensurepip, config.optimize, config.configure_flags))
    return (
        f'curl -fsSL {url} -o /tmp/python.tar && echo "{sha256}  /tmp/python.tar"'
        " | sha256sum -c - && mkdir /tmp/src && tar -xf /tmp/python.tar -C /tmp/src"
        f" --strip-components=1 && cd /tmp/src && ./configure --prefix={prefix}"
        f'{" " + flags if flags else ""} && make -j"$(nproc)" && make install'
        " && rm -rf /tmp/src /tmp/python.tar"
    )


def pyenv_build(
    target: Target, config: PythonInterpreter, method: str, full: str | None, prefix: str
) -> str:
    """Clone pyenv at its release tag, then python-build (or pyenv install) the release."""
    ref = config.pyenv_ref
    if not ref or not GIT_REF_RE.match(ref):
        raise LoadError.at(
            target, "pyenv_ref", f"{method} needs the pyenv release tag to use, e.g. 'v2.4.0'"
        )
    clone = f"git clone --depth 1 --branch {ref} {PYENV_REPO}"
    flags = " ".join(configure_flags(config.ensurepip, config.optimize, config.configure_flags))
    env = f"PYTHON_CONFIGURE_OPTS='{flags}' " if flags else ""
    if method == "python-build":
        python_build = "/tmp/pyenv/plugins/python-build/bin/python-build"
        return f"{clone} /tmp/pyenv && {env}{python_build} {full} {prefix} && rm -rf /tmp/pyenv"
    pyenv = "PYENV_ROOT=/opt/pyenv /opt/pyenv/bin/pyenv"
    return f"{clone} /opt/pyenv && {env}{pyenv} install {full}"


def built_stages(
    target: Target, config: PythonInterpreter, method: str, caches: str | None
) -> list[StageBuilder]:
    """#build compiles into the prefix, #prep trims it, the runtime copies it in one layer."""
    version, release = config.version or "", release_config(target, config)
    prefix = config.prefix if method != "pyenv" else f"/opt/pyenv/versions/{release['release']}"
    full = release["release"]
    if method != "source" and (
        full is None or not RELEASE_RE.match(full) or not full.startswith(version + ".")
    ):
        raise LoadError.at(
            target, "release", f"{method} needs the full {version} release, e.g. '{version}.0'"
        )
    build_packages = check_packages(
        target, "build_packages", config.build_packages or BUILD_PACKAGES
    )
    if method != "source":
        build_packages = [*build_packages, "git"]
    build = apt_install(
        StageBuilder(target, "build", config.base or ""), "build_packages", build_packages, caches
    )
    if method == "source":
        build.run("url", source_build(target, config, release, prefix))
    else:
        build.run("pyenv_ref", pyenv_build(target, config, method, release["release"], prefix))
    stdlib = f"{prefix}/lib/python{version}"
    built = str(target.label.with_stage("build"))
    prep = StageBuilder(target, "prep", built).run(
        "prefix", trim(prefix, version, config.ensurepip)
    )
    runtime_packages = check_packages(
        target, "runtime_packages", config.runtime_packages or RUNTIME_PACKAGES
    )
    runtime = StageBuilder(target, None, config.base or "")
    apt_install(runtime, "runtime_packages", runtime_packages, caches)
    runtime.copy_from("prefix", str(target.label.with_stage("prep")), prefix, prefix)
    runtime.instruction("prefix", "ENV", f"PATH={prefix}/bin:$PATH")
    dev = apt_install(
        StageBuilder(target, "dev", str(target.label)), "method", DEV_PACKAGES, caches
    )
    dev.copy_from("prefix", built, f"{prefix}/include", f"{prefix}/include")
    if not config.ensurepip:  # build venvs are made with pip: `python -m venv` needs ensurepip
        dev.copy_from("prefix", built, f"{stdlib}/ensurepip", f"{stdlib}/ensurepip")
    return [build, prep, runtime, dev]


def expand_python_interpreter(
    target: Target, config: PythonInterpreter, context: Context
) -> Expansion:
    """The stages of one interpreter version; the runtime stage is the target's output."""
    settings = context.settings
    version, method = config.version, config.method
    if version is None:
        raise LoadError.at(target, "version", 'missing: give version = "3.X" or versions = [...]')
    if not VERSION_RE.match(version):
        raise LoadError.at(
            target, "version", f"expected a CPython version like '3.12', got {version!r}"
        )
    if method != "image" and config.base is None:
        raise LoadError.at(target, "base", "missing required key")
    caches = apt_caches_of(context, config.base, target.label.package)
    if method == "image":
        specs, caches = image_stages(target, config), None
    elif method in ("distro", "deadsnakes"):
        specs = distro_stages(target, config, method, caches)
    else:
        specs = built_stages(target, config, method, caches)
    stages = tuple(spec.build(settings) for spec in specs)
    release = release_config(target, config)["release"]
    facts = Facts(interpreter=Interpreter(version, release or None), apt_caches=caches)
    return Expansion(target=target, stages=stages, output=target.label, facts=facts)


RULE = Rule(
    name="python_interpreter",
    doc="CPython X.Y on a base, by one of five methods: a runtime stage and a #dev stage.",
    config=PythonInterpreter,
    expand=expand_python_interpreter,
    matrix_sugar=MatrixSugar("versions", "python", "version"),
)

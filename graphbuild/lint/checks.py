"""The lint passes: each reads the expanded graph and yields findings."""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphbuild.core.labels import Label
from graphbuild.core.model import ImageRef, Stage, Step
from graphbuild.core.steps import render_step
from graphbuild.graph.link import Graph
from graphbuild.lint.catalog import CHECKS, Finding, finding

ALPINE_RE = re.compile(r"(^|[/:._-])(alpine|musl)(\d[\d.]*)?($|[/:._-])")
UPGRADE_RE = re.compile(
    r"\b(apt(-get)?\s+(-\S+\s+)*(dist-|full-)?upgrade|apk\s+upgrade|(dnf|yum|microdnf)\s+(-\S+\s+)*upgrade)\b"
)
ROLLING_RE = re.compile(
    r"(^|[._-])(latest|sid|testing|unstable|rolling|rawhide|tumbleweed|edge|devel)($|[._-])"
)
APT_INSTALL_RE = re.compile(r"\bapt(?:-get)?\s+(?:-\S+\s+)*install\b([^&|;]*)")
COMPILER_RE = re.compile(
    r"^(build-essential|gcc(-\d+)?|g\+\+(-\d+)?|clang(-\d+)?|gfortran|cargo|rustc|\S+-dev)$"
)
PIP_INSTALL_RE = re.compile(r"\b(pip3?|uv pip|poetry)\s+(install|wheel|sync)\b|\bpoetry install\b")
REQUIREMENT_FILE_RE = re.compile(
    r"(^|/)(requirements/.*\.(txt|in)|requirements[^/]*\.(txt|in)|constraints[^/]*\.txt"
    r"|pyproject\.toml|setup\.(cfg|py)|poetry\.lock|uv\.lock|Pipfile(\.lock)?)$"
)
APT_LISTS = "/var/lib/apt/lists"
PIP_NO_CACHE_RE = re.compile(r"\bPIP_NO_CACHE_DIR=(\S*)")
OFF_VALUES = ("", "0", "false", "no", "off")
# a secret-like name, unless it names where the secret is (POSTGRES_PASSWORD_FILE, the
# convention of the official images: the value is a path, the secret stays in a mount) or is
# an author (AUTHOR, AUTHORS_FILE)
SECRET_NAME_RE = re.compile(
    r"(?i)(passw(or)?d|secret|token|api_?key|private_?key|credential|auth(?!ors?(?:_|$)))"
    r"(?!.*_(FILE|PATH|DIR)$)"
)
URL_CREDENTIALS_RE = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")
PYTHON_TARBALL_RE = re.compile(
    r"(Python-3[\d.]+\.t\w+|python3[\d.]*_[\d.]+\.orig\.tar|/ftp/python/)"
)
ROOT_USERS = {"root", "0", "root:root", "0:0", "root:0", "0:root"}


def text(stage: Stage, step: Step) -> str:
    """A step as written, with labels (not hashes or stage names)."""
    return render_step(step, stage.package, str)


def from_chain(graph: Graph, label: Label) -> list[Stage]:
    """The stage and every stage it is built FROM, root first (COPY --from sources excluded)."""
    chain: list[Stage] = []
    current: Label | None = label
    while current is not None:
        stage = graph.stages[current]
        chain.append(stage)
        current = graph.resolve(stage.parent)
    return chain[::-1]


def split_image(image: str) -> tuple[str, str]:
    """(name, tag) of an image reference; the tag is '' when there is none."""
    name = image.split("@", 1)[0]
    if ":" in name.rsplit("/", 1)[-1]:
        name, tag = name.rsplit(":", 1)
        return name, tag
    return name, ""


def check_externals(graph: Graph) -> Iterator[Finding]:
    """GB101-GB103: the base images stages are built FROM."""
    for stage in (graph.stages[label] for label in graph.order):
        ref = stage.parent
        if not isinstance(ref, ImageRef):
            continue
        image = graph.workspace.externals[ref.name].image
        name, tag = split_image(image)
        key = f"{stage.key}.from" if stage.key else "from"
        if ALPINE_RE.search(f"{name}:{tag}".lower()):
            yield finding("GB101", stage, key, f"{ref} is {image}: musl, not glibc")
        if not tag or ROLLING_RE.search(tag):
            yield finding("GB102", stage, key, f"{ref} is {image}: tag {tag or '(none)'!r} moves")
        if "@sha256:" not in image:
            yield finding("GB103", stage, key, f"{ref} is {image}, not pinned by digest")


def check_images(graph: Graph) -> Iterator[Finding]:
    """GB104, GB201, GB202, GB301, GB303, GB401: each image's runtime FROM chain."""
    for target in graph.images:
        output = graph.outputs[target.label]
        chain = from_chain(graph, output)
        steps = [(stage, step, text(stage, step)) for stage in chain for step in stage.steps]
        if not any(UPGRADE_RE.search(t) for _, _, t in steps):
            message = f"neither {target.label} nor a stage it is built FROM upgrades its packages"
            yield finding("GB104", target, None, message)
        user, user_at = None, None
        for stage, step, line in steps:
            if step.instruction == "USER":
                user, user_at = line.split(None, 1)[1].strip(), (stage, step)
            for match in APT_INSTALL_RE.finditer(line):
                tools = [
                    p
                    for p in match.group(1).split()
                    if not p.startswith("-") and COMPILER_RE.match(p)
                ]
                if tools:
                    yield finding(
                        "GB301",
                        stage,
                        step.key,
                        f"installs {', '.join(tools)} into the runtime of {target.label}",
                    )
            creates_venv = step.instruction == "RUN" and re.search(
                r"\b(-m venv|virtualenv)\b", line
            )
            if creates_venv and not user_is_root(user):
                yield finding(
                    "GB401",
                    stage,
                    step.key,
                    f"creates the venv as user {user}, who can then write it",
                )
            if step.instruction in ("COPY", "ADD") and "venv" in line:
                owner = re.search(r"--chown=(\S+)", line)
                if owner and not user_is_root(owner.group(1)):
                    yield finding("GB401", stage, step.key, f"hands the venv to {owner.group(1)}")
            if (
                step.instruction == "RUN"
                and "venv" in line
                and re.search(
                    r"\bchown\b|\bchmod\b[^&]*\b[0-7]*7[0-7]?\b|chmod [a-z]*\+w|chmod -R", line
                )
            ):
                yield finding("GB401", stage, step.key, "changes the venv's owner or permissions")
        if user is None or user_is_root(user):
            where = user_at[0] if user_at else graph.stages[output]
            key = user_at[1].key if user_at else None
            yield finding("GB201", where, key, f"{target.label} runs as {user or 'root (no USER)'}")
        elif not re.fullmatch(r"\d+(:\d+)?", user):
            assert user_at is not None  # a user other than root was set by a USER step
            yield finding("GB202", user_at[0], user_at[1].key, f"{target.label} runs as {user!r}")
        yield from check_source_last(graph.stages[output])


def user_is_root(user: str | None) -> bool:
    """True for no USER yet, root, uid 0."""
    return user is None or user in ROOT_USERS


def is_source_copy(step: Step) -> bool:
    """A COPY/ADD from the build context of something other than requirements files (a lock
    slice graphbuild writes is one)."""
    return bool(step.sources) and not all(
        s.generated or REQUIREMENT_FILE_RE.search(s.path) for s in step.sources
    )


def check_source_last(stage: Stage) -> Iterator[Finding]:
    """GB303: in an image's own stage, nothing changes the filesystem after the source COPY."""
    copies = [i for i, step in enumerate(stage.steps) if is_source_copy(step)]
    if not copies:
        return
    after = [
        s
        for s in stage.steps[copies[-1] + 1 :]
        if s.instruction in ("RUN", "COPY", "ADD", "WORKDIR")
    ]
    if after:
        yield finding(
            "GB303", stage, after[0].key, f"{after[0].instruction} runs after the source COPY"
        )


def check_steps(graph: Graph) -> Iterator[Finding]:
    """GB302, GB402-GB405, GB601-GB603: every step of every stage."""
    # One piece on purpose: the checks share one pass over the steps and its state (whether
    # source was copied yet), like a reader going down the Dockerfile.
    for label in graph.order:
        stage = graph.stages[label]
        source_copied = None
        for name, _ in stage.args:
            if SECRET_NAME_RE.search(name):
                yield finding(
                    "GB402", stage, f"args.{name}", f"build arg {name} looks like a secret"
                )
        for step in stage.steps:
            line = text(stage, step)
            if is_source_copy(step) and source_copied is None:
                source_copied = step
            if (
                step.instruction == "RUN"
                and PIP_INSTALL_RE.search(line)
                and source_copied is not None
            ) and not ("--no-index" in line or "--no-deps" in line):  # installs no dependencies
                yield finding(
                    "GB302",
                    stage,
                    step.key,
                    f"installs dependencies after {source_copied.key} copied source",
                )
            if step.instruction in ("ARG", "ENV"):
                for name in re.findall(
                    r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)",
                    line.split(None, 1)[1] if " " in line else "",
                ):
                    if SECRET_NAME_RE.search(name):
                        yield finding(
                            "GB402",
                            stage,
                            step.key,
                            f"{step.instruction} {name} looks like a secret",
                        )
            if (
                step.instruction == "ADD"
                and re.search(r"\shttps?://", line)
                and "--checksum" not in line
            ):
                yield finding("GB403", stage, step.key, "ADD downloads a URL nobody verifies")
            if (
                step.instruction == "RUN"
                and re.search(r"\b(curl|wget)\b", line)
                and PYTHON_TARBALL_RE.search(line)
            ) and not re.search(r"sha(256|512)sum\s+(-c|--check)", line):
                yield finding(
                    "GB404",
                    stage,
                    step.key,
                    "downloads a CPython tarball without checking its SHA-256",
                )
            if URL_CREDENTIALS_RE.search(line):
                yield finding(
                    "GB405",
                    stage,
                    step.key,
                    "a URL carries credentials, which end up in the image history",
                )
            if step.instruction == "RUN":
                no_pip_cache = any(pip_cache_off(text(s, e)) for s, e in env_steps(graph, label))
                yield from check_apt_pip(stage, step, line, no_pip_cache)


def env_steps(graph: Graph, label: Label) -> Iterator[tuple[Stage, Step]]:
    """The ENV steps of a stage and of every stage it is built FROM (they are in effect)."""
    for stage in from_chain(graph, label):
        for step in stage.steps:
            if step.instruction == "ENV":
                yield stage, step


def pip_cache_off(line: str) -> bool:
    """True when a step sets PIP_NO_CACHE_DIR to a value that turns pip's cache off."""
    match = PIP_NO_CACHE_RE.search(line)
    return match is not None and match.group(1).strip("\"'").lower() not in OFF_VALUES


def cache_mount_targets(line: str) -> list[str]:
    """The targets of a RUN's cache mounts, trailing slashes cut."""
    return [
        match.group(1).rstrip("/") or "/"
        for mount in re.findall(r"--mount=(\S+)", line)
        if "type=cache" in mount.split(",")
        for match in [re.search(r"(?:^|,)(?:target|dst|destination)=([^,]+)", mount)]
        if match is not None
    ]


def check_apt_pip(stage: Stage, step: Step, line: str, no_pip_cache: bool) -> Iterator[Finding]:
    """GB601-GB603 for one RUN (`no_pip_cache`: PIP_NO_CACHE_DIR is set where it runs)."""
    if (
        APT_INSTALL_RE.search(line)
        and "--no-install-recommends" not in line
        and "Install-Recommends=false" not in line
    ):
        yield finding("GB601", stage, step.key, "apt installs recommended packages too")
    if re.search(r"\bapt(-get)?\s+update\b", line):
        mounts = cache_mount_targets(line)  # a cache of /var/lib/apt (or above) holds the lists
        cached = any(m == APT_LISTS or APT_LISTS.startswith(m + "/") for m in mounts)
        if not cached and "rm -rf /var/lib/apt/lists" not in line:
            yield finding("GB602", stage, step.key, "apt-get update leaves its lists in the layer")
    pip = re.search(r"\bpip3?\s+(install|wheel)\b", line) and "--no-index" not in line
    quiet = no_pip_cache or pip_cache_off(line) or "--no-cache-dir" in line
    if pip and "type=cache" not in line and not quiet:
        yield finding("GB603", stage, step.key, "pip downloads again on every rebuild")


def check_workspace_args(graph: Graph) -> Iterator[Finding]:
    """GB402 for `[workspace.args]`."""
    for name, _ in graph.workspace.settings.args:
        if SECRET_NAME_RE.search(name):
            check = CHECKS["GB402"]
            message = f"workspace build arg {name} looks like a secret"
            key = f"workspace.args.{name}"
            yield Finding(check.id, check.severity, "//", key, message, check.hint, "BUILD.toml")

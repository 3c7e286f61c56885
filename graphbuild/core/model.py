"""The data model: frozen attrs classes for the workspace, targets and the stages they make."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from graphbuild.core.facts import Facts
from graphbuild.core.labels import Label
from graphbuild.core.uv import UvWorkspace

SCHEMA_VERSION = "graphbuild/3"  # 2: file digests are git blob ids; 3: folders by tree id (§5)
BLOB_HEX = 40  # the length of a git blob id (SHA-1) in hex


@attrs.frozen
class ExternalImage:
    """A base image from a registry, declared once in `[external.NAME]`."""

    name: str
    image: str  # with the workspace args substituted
    written: str | None = None  # as written, when it names workspace args (`python:${PY}`)

    @property
    def pinned(self) -> bool:
        """True when the reference carries a digest, so it cannot move."""
        return "@sha256:" in self.image


DEVCONTAINERS = ".devcontainer"  # the folder dev container tools look in: one folder a config
EPOCH_ARG = "SOURCE_DATE_EPOCH"  # the build arg of reproducible builds: every stage uses it


class CacheBackend(enum.StrEnum):
    """Where `[workspace] cache` shares BuildKit's cache between machines."""

    NONE = "none"
    REGISTRY = "registry"  # {registry}/cache:{target}, mode=max
    GHA = "gha"  # GitHub Actions' cache service, a scope per bake target


class DockerfileFrontend(enum.StrEnum):
    """Which Dockerfile frontend parses the emitted file."""

    IMAGE = "image"  # `# syntax=docker/dockerfile:<floor>` above 1.2: pulled from a registry
    BUILTIN = "builtin"  # the engine's built-in frontend: no pull, no `# syntax=` line


class Provenance(enum.StrEnum):
    """How much of the build a provenance attestation records (BuildKit's modes)."""

    MAX = "max"
    MIN = "min"
    NONE = "none"


@attrs.frozen
class Settings:
    """The `[workspace]` table."""

    name: str
    registry: str | None = None
    dockerfile: str = "build/Dockerfile"
    bake: str = "build/docker-bake.json"
    lock: str = "graphbuild.lock"
    dockerfile_syntax: str = "1.2"
    dockerfile_frontend: DockerfileFrontend = DockerfileFrontend.IMAGE
    dockerfile_check: str | None = None  # the `# check=` directive's value
    platforms: tuple[str, ...] = ("linux/amd64",)
    args: tuple[tuple[str, str], ...] = ()
    cache: CacheBackend = CacheBackend.NONE
    cache_from: tuple[str, ...] = ()
    cache_to: tuple[str, ...] = ()
    provenance: Provenance = Provenance.MAX
    reproducible: bool = False
    source_date_epoch: int | None = None
    source: str | None = None
    exclude: tuple[str, ...] = ()
    default: str | None = None  # the image the Dockerfile ends with (`docker build`'s default)
    default_line: int | None = attrs.field(default=None, eq=False)  # its line, for messages
    compose: str | None = None  # where emit writes the compose file, when it does
    devcontainers: bool = False  # whether emit writes a dev container per development variant
    python_workspace: str = "."  # the folder of the Python workspace: its pyproject.toml, lock

    @property
    def rebuild_bake(self) -> str:
        """Where the baseline-dependent `rebuild` group goes: beside the bake file."""
        return f"{self.bake.removesuffix('.json')}.rebuild.json"

    @property
    def lock_slices(self) -> str:
        """The folder of the images' lock slices: beside the Dockerfile (named for graphbuild
        when the Dockerfile is at the root, where `locks/` may well be the team's own)."""
        folder = self.dockerfile.rpartition("/")[0]
        return f"{folder}/locks" if folder else "graphbuild-locks"

    @property
    def outputs(self) -> tuple[str, ...]:
        """The files graphbuild writes: never inputs (an input that changes with every emit
        would make the hashes chase their own tail)."""
        ignore = f"{self.dockerfile}.dockerignore"
        written = (self.dockerfile, ignore, self.bake, self.rebuild_bake, self.lock)
        optional = (self.compose, DEVCONTAINERS if self.devcontainers else None)
        return (*written, self.lock_slices, *(p for p in optional if p is not None))


@attrs.frozen
class Target:
    """One declared target after matrix expansion: its rule and its rule-specific config."""

    label: Label
    rule: str
    file: str
    line: int | None
    config: Mapping[str, Any]
    image: str | None = None
    matrix: tuple[tuple[str, str], ...] = ()
    key_lines: Mapping[str, int] = attrs.field(factory=dict, eq=False)  # key -> its line

    def line_of(self, key: str | None) -> int | None:
        """The line of a key path (`steps[2]`, `stage[0].from`: its first key's), else the
        target's own."""
        if key is None:
            return self.line
        return self.key_lines.get(key.split(".")[0].split("[")[0], self.line)


@attrs.frozen
class Package:
    """A folder with a BUILD.toml."""

    path: str
    file: str
    targets: tuple[Target, ...]
    exclude: tuple[str, ...] = ()  # [package] exclude: .dockerignore patterns, in order


@attrs.frozen
class Workspace:
    """Everything loaded from the BUILD.toml files: settings, external images, packages."""

    settings: Settings
    externals: Mapping[str, ExternalImage]
    packages: tuple[Package, ...]
    skipped: tuple[str, ...] = ()  # nested workspaces: folders left out of this one
    uv: UvWorkspace | None = None  # the uv workspace at the root, if there is one

    @property
    def targets(self) -> tuple[Target, ...]:
        """Every target of every package, in package order."""
        return tuple(t for p in self.packages for t in p.targets)


@attrs.frozen
class StageRef:
    """A reference from a stage to another stage or target, by label."""

    label: Label

    def __str__(self) -> str:
        return str(self.label)


@attrs.frozen
class ImageRef:
    """A reference to an external image, by its `[external.NAME]`."""

    name: str

    def __str__(self) -> str:
        return f"@{self.name}"


@attrs.frozen
class Scratch:
    """`FROM scratch`: the empty image."""

    def __str__(self) -> str:
        return "@scratch"


Ref = StageRef | ImageRef | Scratch  # what a stage's FROM or COPY --from names
SCRATCH = Scratch()


@attrs.frozen
class Src:
    """A build-context source path in a COPY/ADD/bind mount, relative to the package."""

    path: str
    quoted: bool = False  # written inside a JSON array, so rendered as a JSON string
    generated: bool = False  # a file graphbuild writes (workspace-relative), not a package's


Part = str | Ref | Src


@attrs.frozen
class Step:
    """One Dockerfile instruction, split into literal text, references and context sources."""

    instruction: str
    parts: tuple[Part, ...]
    key: str
    flags: tuple[str, ...] = ()  # names of the leading --flags of RUN, COPY and ADD

    @property
    def refs(self) -> tuple[Ref, ...]:
        """The stages and external images this step reads from."""
        return tuple(p for p in self.parts if isinstance(p, Ref))

    @property
    def sources(self) -> tuple[Src, ...]:
        """The build-context paths this step copies or mounts."""
        return tuple(p for p in self.parts if isinstance(p, Src))


@attrs.frozen
class Generated:
    """A file `graphbuild emit` writes that a stage copies from the build context (an image's
    lock slice): hashed by its text, never read back from the tree."""

    path: str  # workspace-relative
    text: str
    pins: Mapping[str, str] = attrs.field(factory=dict)  # package -> version, for reasons
    compiles: tuple[str, ...] = ()  # "name version" of what has no wheel: built from its sdist
    unhashed: tuple[str, ...] = ()  # what is pinned by a commit (git), not by a hash


class FromPlatform(enum.StrEnum):
    """`FROM --platform=…` as a stage's `platform` key: BuildKit's automatic platform args."""

    BUILD = "build"  # $BUILDPLATFORM: runs natively on the build host (cross-compiling stages)
    TARGET = "target"  # $TARGETPLATFORM: the platform being built for, written out

    @property
    def flag(self) -> str:
        """The FROM flag."""
        return f"--platform=${self.value.upper()}PLATFORM"


@attrs.frozen
class Stage:
    """One `FROM … AS name` section: parent, steps and the input files it may read."""

    label: Label
    file: str
    key: str
    parent: Ref
    steps: tuple[Step, ...]
    inputs: tuple[str, ...] = ()
    args: tuple[tuple[str, str], ...] = ()
    platforms: tuple[str, ...] = ()
    line: int | None = None  # the line of its [[target]] header, for messages
    generated: tuple[Generated, ...] = ()  # files emit writes that the steps copy
    platform: FromPlatform | str | None = None  # FROM --platform: an automatic arg or os/arch

    @property
    def from_flag(self) -> str:
        """`--platform=… ` for the FROM line, or ''."""
        if self.platform is None:
            return ""
        if isinstance(self.platform, FromPlatform):
            return self.platform.flag + " "
        return f"--platform={self.platform} "

    @property
    def package(self) -> str:
        """The package whose folder input patterns are relative to."""
        return self.label.package

    @property
    def deps(self) -> tuple[Ref, ...]:
        """Parent first, then every reference in the steps, without repeats."""
        seen: dict[Ref, None] = {self.parent: None}
        for step in self.steps:
            seen.update(dict.fromkeys(step.refs))
        return tuple(seen)


@attrs.frozen
class LabelUse:
    """A key of a target that names another target, and the rules that target may have."""

    key: str
    label: Label
    rules: tuple[str, ...]


@attrs.frozen
class Expansion:
    """What a rule makes of one target: its stages, which of them is the target's output, and
    the labels its keys name (the graph checks each names a target of the expected rule)."""

    target: Target
    stages: tuple[Stage, ...]
    output: Label
    label_uses: tuple[LabelUse, ...] = ()
    test: Label | None = None  # the stage that runs the target's tests (never in its image)
    test_report: Label | None = None  # the stage holding just their reports and exit code
    facts: Facts = attrs.field(factory=Facts)  # what rules built on it, lint, plan, CLI read

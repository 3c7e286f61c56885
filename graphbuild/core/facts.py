"""What a target's rule tells the rules built on it, lint, plan, emit and the CLI about its
targets, as typed facts, so none of them compares rule names."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from graphbuild.core.model import Step  # model holds Facts


@attrs.frozen
class Sync:
    """A source folder or file whose copy a running container holds: compose's watch syncs an
    edit of it into the container instead of rebuilding the image."""

    source: str  # workspace-relative
    target: str  # the absolute path of its copy in the container


@attrs.frozen
class Service:
    """What a rule tells about running its image, beyond the image's own config: how an edit
    reaches a running container, the interpreter it runs, whether it is a development variant."""

    syncs: tuple[Sync, ...] = ()
    python: str | None = None  # the interpreter the app runs (its venv's), for editors
    dev: bool = False  # a development variant: a dev container definition is written for it


@attrs.frozen
class AppLayers:
    """Where an app image's own files come in: the stage holding everything before them, and
    what is copied after it, so a variant built on the app (python_dev) can put its own layers
    before those copies and an edit of the app re-runs only its last copies."""

    dependencies: str  # the label of the stage the image is without its own files
    # the stage `dependencies` is built FROM (the interpreter and the app's user), and its own
    # steps (the runtime packages, the venv, the environment, the user): a variant can put its
    # layers before them and then repeat them, so a lock or library edit re-runs not its own
    runtime_base: str | None = None
    runtime: tuple[Step, ...] = ()
    uid: int | None = None  # the uid the app runs as
    member: str | None = None  # the stage whose install (MEMBER_PREFIX) goes into the venv
    venv: str | None = None  # where the member's install goes
    package: str = ""  # the app's package: src is relative to it
    src: tuple[str, ...] = ()  # the app's own files from the build context, copied last
    src_destination: str = "/app/"  # where they are copied


@attrs.frozen
class Interpreter:
    """A Python interpreter a target provides."""

    version: str  # X.Y
    release: str | None = None  # the full version where it is pinned (3.12.7)


@attrs.frozen
class DistroPins:
    """What a distro base pins its packages to."""

    refresh: str | None = None  # the day of its security refresh (YYYY-MM-DD)
    snapshot: str | None = None  # the Debian snapshot apt reads, if any


@attrs.frozen
class Facts:
    """What a target's rule tells the rules built on it, lint, plan and the CLI, so none of
    them compares rule names."""

    interpreter: Interpreter | None = None  # a python_interpreter
    distro: DistroPins | None = None  # a distro base
    uv_path: str | None = None  # where the uv binary is in its stage
    library: str | None = None  # the uv workspace member an internal library target builds
    service: Service | None = None  # how its image runs, for compose and dev containers
    app: AppLayers | None = None  # a python_app: where its own files come in
    # the name of the apt cache mounts of the distro base its stages stand on (None: unknown)
    apt_caches: str | None = None

"""`graphbuild import`: an existing Dockerfile as a BUILD.toml of raw stages.

Stages keep their instructions as BuildKit reads them; FROM and --from names become labels, base
images `[external.NAME]` tables (a FROM variable stays one: the ARG before the first FROM becomes
a workspace arg), the build-context sources of COPY, ADD and bind mounts the stages' inputs, the
.dockerignore the package's exclude. Every stage nothing else uses becomes an image target; the
last stays the default. Each step is checked where it stands, so a refusal names its line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import attrs
import tomli_w

from graphbuild.core.features import CHECK_GRAMMAR, CHECK_RE, floor_for, version_key
from graphbuild.importer.source import read_dockerfile
from graphbuild.importer.stages import Importer, RootFacts
from graphbuild.tree.ignore import ignore_test

SYNTAX_RE = re.compile(
    r"(?:docker\.io/)?docker/dockerfile(?:-upstream)?(?::(?P<version>\d+(?:\.\d+){0,2})?"
    r"(?P<channel>-labs)?)?(?:@sha256:[0-9a-f]{64})?\Z"
)


@attrs.frozen
class Imported:
    """The package's BUILD.toml and what the root must gain, with each key's Dockerfile line."""

    build_toml: str
    externals: dict[str, str]  # new [external.NAME] images
    args: dict[str, str]  # new [workspace] args
    floor: str | None  # the raised dockerfile_syntax, or None
    check: str | None  # the new dockerfile_check, or None
    default: str  # the image target the Dockerfile ended with
    images: tuple[str, ...]  # every image target's label
    origins: Mapping[str, int]  # "stage-label key" -> the Dockerfile line it came from


def syntax_pin(importer: Importer) -> str | None:
    """The frontend version the `# syntax=` line pins (refused unless it is the stable
    docker/dockerfile channel): checked before any step, as it is the file's first line."""
    if importer.source.syntax is None:
        return None
    written = importer.source.syntax.value
    match = SYNTAX_RE.match(written)
    if match is None or match.group("channel"):
        raise importer.fail(
            importer.source.syntax.line,
            f"# syntax={written}: graphbuild emits the stable docker/dockerfile frontend "
            "only; write # syntax=docker/dockerfile:1 (labs-only features such as COPY "
            "--parents cannot be imported)",
        )
    version = match.group("version") or "1"  # docker/dockerfile alone: the newest, a 1.x
    return ".".join(version.split(".")[:2])


def new_check(importer: Importer) -> str | None:
    """The `# check=` directive as the workspace's dockerfile_check, when it has none yet (one
    it has already is kept when equal, and refused at the directive's line when not)."""
    directive, have = importer.source.check, importer.root.check
    if directive is None or directive.value == have:
        return None
    if not CHECK_RE.match(directive.value):
        raise importer.fail(
            directive.line,
            f"# check={directive.value}: expected {CHECK_GRAMMAR}",
        )
    if have is not None:
        raise importer.fail(
            directive.line,
            f"# check={directive.value}: the workspace's dockerfile_check is {have!r} (one "
            "Dockerfile is emitted for all images); make them the same, then import again",
        )
    return directive.value


def syntax_floor(importer: Importer, pinned: str | None) -> str | None:
    """The floor the Dockerfile needs (its `# syntax=` version and the features its steps
    use), or None when the workspace's is high enough."""
    needed = floor_for(importer.steps)
    if pinned is not None:
        needed = max(needed, pinned, key=version_key)
    if version_key(needed) <= version_key(importer.root.floor):
        return None
    return needed


def import_dockerfile(
    text: str,
    file: str,
    package: str,
    target: str,
    root: RootFacts,
    exclude: list[str],
    git_in_context: bool = False,
) -> Imported:
    """Translate a Dockerfile of package `package` into target `target` (and one target per
    other stage nothing uses); `git_in_context`: the package folder holds a `.git`."""
    source = read_dockerfile(text, file)
    git_sent = git_in_context and not ignore_test(exclude)(".git")
    importer = Importer(source, file, package, target, root, git_sent)
    pinned = syntax_pin(importer)
    used = importer.used()
    last = source.stages[-1].index
    main: list[dict[str, Any]] = []
    leaves: list[dict[str, Any]] = []
    for stage in source.stages:
        local = importer.local[stage.index]
        if stage.index in used or stage.index == last:
            label, key = f"//{package}:{target}#{local}", f"stage[{len(main)}]"
            main.append({"name": local, **importer.stage_table(stage, label, key)})
        else:
            name = f"{target}-{local}"
            label = f"//{package}:{name}"
            table = importer.stage_table(stage, label, "stage[0]")
            leaves.append({"name": name, "rule": "stages", "image": True, "stage": [table]})
    document: dict[str, Any] = {}
    tables = [*main, *(t["stage"][0] for t in leaves)]
    if any("**" in t.get("inputs", ()) for t in tables) and "BUILD.toml" not in exclude:
        exclude = [*exclude, "BUILD.toml"]  # not in the context the Dockerfile had
    if exclude:
        document["package"] = {"exclude": exclude}
    document["target"] = [{"name": target, "rule": "stages", "image": True, "stage": main}, *leaves]
    header = (
        f"# Imported from {file} by `graphbuild import`.\n"
        "# One image target per stage nothing else uses; the Dockerfile's last stage is the\n"
        "# first target, which [workspace] default names when it named no other.\n"
    )
    new = {k: v for k, v in importer.externals.items() if k not in root.externals}
    images = (f"//{package}:{target}", *(f"//{package}:{t['name']}" for t in leaves))
    return Imported(
        build_toml=header + tomli_w.dumps(document),
        externals=new,
        args=importer.new_args,
        floor=syntax_floor(importer, pinned),
        check=new_check(importer),
        default=f"//{package}:{target}",
        images=images,
        origins=importer.origins,
    )


def externals_toml(externals: Mapping[str, str]) -> str:
    """The `[external.NAME]` tables to append to the root BUILD.toml."""
    return "".join(
        f"\n[external.{n}]\nimage = {json.dumps(i)}\n" for n, i in sorted(externals.items())
    )

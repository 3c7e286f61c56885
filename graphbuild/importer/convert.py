"""`graphbuild import`: an existing multi-stage Dockerfile as a BUILD.toml of raw stages.

Stages keep their order and instructions; FROM and COPY --from names become labels, base images
become `[external.NAME]` tables for the root BUILD.toml, and the build-context sources of COPY
and ADD become the stages' inputs, so `emit` of the package gives the same instructions back.
"""

from __future__ import annotations

import json
import re
from typing import Any

import attrs
import tomli_w

from graphbuild.core.errors import LoadError

NAME_UNSAFE = re.compile(r"[^a-z0-9_.-]+")
URL_RE = re.compile(r"^(https?|git)://|^git@")


@attrs.frozen
class Imported:
    """The package's BUILD.toml text and the external images the root must declare."""

    build_toml: str
    externals: dict[str, str]


def safe_name(text: str) -> str:
    """A valid target/stage/external name from arbitrary text."""
    name = NAME_UNSAFE.sub("-", text.lower()).strip("-.") or "stage"
    return name if name[0].isalnum() else f"s{name}"


def external_name(image: str, taken: dict[str, str]) -> str:
    """A short, unique external name for an image reference (`python:3.12-slim` -> `python`)."""
    base = safe_name(image.split("@")[0].rsplit("/", 1)[-1].split(":")[0])
    for candidate in (base, *(f"{base}-{n}" for n in range(2, 100))):
        if taken.get(candidate, image) == image:
            return candidate
    raise LoadError(f"too many external images named like {image}")


def import_dockerfile(text: str, file: str, target: str, existing: dict[str, str]) -> Imported:
    """Translate a Dockerfile; `existing` maps the root's external names to their images."""
    try:
        import dockerfile  # the BuildKit parser: an optional dependency, needed only here
    except ImportError:
        raise LoadError(
            "graphbuild import needs the BuildKit parser: pip install 'graphbuild[import]'"
        ) from None
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as err:
        raise LoadError(f"the Dockerfile does not parse: {err}", file=file) from None
    externals = dict(existing)
    by_image = {image: name for name, image in existing.items()}
    stage_names: dict[str, str] = {}  # name as written (lowercased) or index -> stage name
    stages: list[dict[str, Any]] = []
    for command in commands:
        instruction = command.cmd.upper()
        where = {"file": file, "line": command.start_line}
        if command.heredocs:
            raise LoadError("heredocs are not supported; write the step as one RUN", **where)
        if instruction == "FROM":
            stages.append(
                from_stage(command, stage_names, externals, by_image, target, len(commands), where)
            )
            continue
        if not stages:
            raise LoadError(
                f"{instruction} before the first FROM is not supported; inline the value", **where
            )
        stage = stages[-1]
        # The instruction as BuildKit joined it: a continuation's backslash and newline removed
        # (with any blanks after the backslash), comment and empty lines dropped, everything
        # else kept as written (a space re-inserted would change values: `echo ab\` + `cd`).
        step = command.original
        step = step[: len(command.cmd)].upper() + step[len(command.cmd) :]
        for flag in command.flags:
            if flag.startswith("--from="):
                source = flag.split("=", 1)[1]
                label = ref_for(source, stage_names, externals, by_image, target)
                step = step.replace(flag, f"--from={label}", 1)
            elif flag.startswith("--mount=") and "from=" in flag:
                source = re.search(r"(?:^|,)from=([^,]+)", flag[8:]).group(1)  # type: ignore[union-attr]
                label = ref_for(source, stage_names, externals, by_image, target)
                step = step.replace(flag, flag.replace(f"from={source}", f"from={label}"), 1)
        if instruction in ("COPY", "ADD") and not any(
            f.startswith("--from=") for f in command.flags
        ):
            stage["inputs"] += [input_pattern(v) for v in command.value[:-1] if not URL_RE.match(v)]
        stage["steps"].append(step)
    if not stages:
        raise LoadError("the Dockerfile has no FROM", file=file)
    for stage in stages:
        stage["inputs"] = sorted(dict.fromkeys(stage["inputs"]))
        if not stage["inputs"]:
            del stage["inputs"]
    document = {"target": [{"name": target, "rule": "stages", "image": True, "stage": stages}]}
    header = f"# Imported from {file} by `graphbuild import`.\n"
    new = {k: v for k, v in externals.items() if k not in existing}
    return Imported(header + tomli_w.dumps(document), new)


def from_stage(
    command: Any,
    stage_names: dict[str, str],
    externals: dict[str, str],
    by_image: dict[str, str],
    target: str,
    count: int,
    where: dict[str, Any],
) -> dict[str, Any]:
    """A stage table for one FROM (its name kept, lowercased; the parent as a label)."""
    words = [w for w in command.value if not w.startswith("--")]
    if any(f.startswith("--platform") for f in command.flags) or any(
        w.startswith("--") for w in command.value
    ):
        raise LoadError("FROM --platform is not supported; set platforms instead", **where)
    image = words[0]
    if "$" in image:
        raise LoadError(f"FROM with a variable ({image}) is not supported; inline it", **where)
    original = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
    name = (
        safe_name(original) if original else f"stage-{sum(1 for k in stage_names if k.isdigit())}"
    )
    if name == target:
        name = f"{name}-stage"
    parent = ref_for(image, stage_names, externals, by_image, target, exclude=name)
    index = sum(1 for key in stage_names if key.isdigit())
    stage_names[str(index)] = name  # COPY --from may name a stage by its index
    if original:
        stage_names[original.lower()] = name
    return {"name": name, "from": parent, "inputs": [], "steps": []}


def ref_for(source, stage_names, externals, by_image, target, exclude=None) -> str:
    """A FROM or --from value as a label (`:target#stage`), `@external` or `scratch`."""
    if source.lower() in stage_names and stage_names[source.lower()] != exclude:
        return f":{target}#{stage_names[source.lower()]}"
    if source == "scratch":
        return "scratch"
    if source not in by_image:
        name = external_name(source, externals)
        externals[name] = source
        by_image[source] = name
    return f"@{by_image[source]}"


def input_pattern(source: str) -> str:
    """A COPY source as an input pattern relative to the package."""
    path = source.strip()
    while path.startswith("./"):
        path = path[2:]
    return "**" if path in ("", ".", "./") else path.rstrip("/") if "*" not in path else path


def externals_toml(externals: dict[str, str]) -> str:
    """The `[external.NAME]` tables to append to the root BUILD.toml."""
    return "".join(
        f"\n[external.{n}]\nimage = {json.dumps(i)}\n" for n, i in sorted(externals.items())
    )

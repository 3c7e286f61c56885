"""Independent checks of emitted files: the BuildKit parser, instruction names, stage
references, duplicate stages, and the bake attributes the buildx reference documents."""

from __future__ import annotations

import json
import re

import dockerfile

INSTRUCTIONS = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}  # fmt: skip
STAGE_NAME = re.compile(r"[a-z][a-z0-9_.-]*\Z")
# From the buildx bake file reference (target and group attributes).
BAKE_TARGET_ATTRIBUTES = {
    "args", "annotations", "attest", "cache-from", "cache-to", "call", "context", "contexts",
    "description", "dockerfile", "dockerfile-inline", "entitlements", "extra-hosts", "inherits",
    "labels", "matrix", "name", "network", "no-cache-filter", "no-cache", "output", "platforms",
    "pull", "secret", "shm-size", "ssh", "tags", "target", "ulimits",
}  # fmt: skip
BAKE_NAME = re.compile(r"[a-zA-Z0-9_-]+\Z")


def check_dockerfile(text: str, externals: set[str]) -> list[str]:
    """Parse with the BuildKit parser and check the structure; return the stage names."""
    commands = dockerfile.parse_string(text)
    stages: list[str] = []
    bodies: list[tuple[str, ...]] = []
    for command in commands:
        assert command.cmd.upper() in INSTRUCTIONS, command.original
        if command.cmd.upper() == "FROM":
            parts = [p for p in command.value if not p.startswith("--")]
            assert len(parts) == 3 and parts[1].upper() == "AS", command.original
            parent, name = parts[0], parts[2]
            assert parent in stages or parent in externals or parent == "scratch", parent
            assert STAGE_NAME.match(name) and name not in stages, name
            stages.append(name)
            bodies.append((parent,))
            continue
        assert stages, "an instruction before the first FROM"
        for flag in command.flags:
            for source in re.findall(r"(?:^--from=|[,=]from=)([^,\s]+)", flag):
                assert source in stages or source in externals, f"{source} in {command.original}"
        bodies[-1] += (command.original,)
    assert len(set(bodies)) == len(bodies), "two emitted stages are identical"
    return stages


def check_bake(text: str, stage_names: list[str], dockerfile_path: str) -> dict:
    """The bake JSON holds only documented attributes, and every target names a real stage."""
    document = json.loads(text)
    assert set(document) <= {"group", "target", "variable"}
    for name, target in document["target"].items():
        assert BAKE_NAME.match(name), name
        assert set(target) <= BAKE_TARGET_ATTRIBUTES, set(target) - BAKE_TARGET_ATTRIBUTES
        assert target["target"] in stage_names
        assert target["dockerfile"] == dockerfile_path
        if target.get("output") == ["type=cacheonly"]:  # a test stage: no image, no tag
            assert name in document["group"]["test"]["targets"] and "tags" not in target
            continue
        if name.endswith("-test-report"):  # its reports, exported below .graphbuild/
            assert name in document["group"]["test-report"]["targets"] and "tags" not in target
            assert target["output"] == [f"type=local,dest=.graphbuild/test-reports/{name[:-12]}"]
            continue
        digest = target["labels"]["dev.graphbuild.hash"].removeprefix("sha256:")
        assert any(tag.endswith(":" + digest[:12]) for tag in target["tags"])
    for name, group in document["group"].items():
        assert BAKE_NAME.match(name), name
        assert set(group) <= {"targets", "description"}
        assert set(group["targets"]) <= set(document["target"])
    tests = set(document["group"].get("test", {}).get("targets", []))
    tests |= set(document["group"].get("test-report", {}).get("targets", []))
    assert sorted(document["group"]["default"]["targets"]) == sorted(
        set(document["target"]) - tests
    )
    return document

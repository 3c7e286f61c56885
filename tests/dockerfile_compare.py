"""Whether an emitted Dockerfile gives an original's build back: every stage with the same
instructions as BuildKit's parser reads them (flags, JSON forms, heredocs, continuations),
stage references renamed, context paths made workspace-relative, and the same last stage.
Shared by the import tests and tools/import_corpus."""

from __future__ import annotations

import posixpath
import re

import dockerfile

from graphbuild.core.args import expand, shell_word
from graphbuild.importer.stages import safe_name

FROM_RE = re.compile(r"FROM (?:--platform=\S+ )?\S+ AS (\S+)$")


def platform_of(flags) -> str | None:
    """A FROM's --platform value, `${X}` written as `$X`."""
    for flag in flags:
        if flag.startswith("--platform="):
            return re.sub(r"\$\{(\w+)\}", r"$\1", flag.split("=", 1)[1])
    return None


def normal(command, package: str | None, ref) -> tuple:
    """One instruction with stage references renamed by `ref` and, for the original (package
    given), build-context paths made workspace-relative."""
    name = command.cmd.upper()
    flags = []
    for flag in command.flags:
        if flag.startswith("--from="):
            flag = "--from=" + ref(flag[7:])
        elif flag.startswith("--mount="):
            fields = dict(f.partition("=")[::2] for f in flag[8:].split(","))
            if "from" in fields:
                fields["from"] = ref(fields["from"])
            elif fields.get("type", "bind") == "bind":
                source = fields.pop("source", fields.pop("src", "."))
                fields["source"] = posixpath.normpath(posixpath.join(package or "", source))
            flag = "--mount=" + ",".join(f"{k}={v}" for k, v in sorted(fields.items()))
        flags.append(flag)
    value = list(command.value)
    from_context = not any(f.startswith("--from") for f in flags) and not command.heredocs
    if name in ("COPY", "ADD") and from_context:
        value[:-1] = [
            v if "://" in v else posixpath.normpath(posixpath.join(package or "", v))
            for v in value[:-1]
        ]
    heredocs = tuple((h.name, h.content) for h in command.heredocs)
    return (name, tuple(sorted(flags)), tuple(value), command.json, heredocs)


def original_stages(text: str, package: str, emitted_name) -> list[tuple]:
    """(emitted name, parent, platform, instructions) of each stage of the original."""
    defaults: dict[str, str] = {}
    names: dict[str, int] = {}
    stages: list[list] = []
    for command in dockerfile.parse_string(text):
        if command.cmd.upper() == "ARG" and not stages:
            for word in command.value:
                key, eq, value = word.partition("=")
                if eq:
                    defaults[key] = shell_word(value, defaults)  # as BuildKit reads it
            continue
        if command.cmd.upper() != "FROM":
            stages[-1][3].append(command)
            continue
        words = list(command.value)
        image = expand(words[0], defaults)
        parent = names.get(image.lower())
        if len(words) == 3:
            names[words[2].lower()] = len(stages)
        names[str(len(stages))] = len(stages)
        written = words[2] if len(words) == 3 else None
        parent_or_image = image if parent is None else parent
        stages.append([written, parent_or_image, platform_of(command.flags), []])
    mapped = [emitted_name(i, written) for i, (written, *_rest) in enumerate(stages)]

    def ref(value: str) -> str:
        index = names.get(value.lower())
        return mapped[index] if index is not None else value

    return [
        (
            mapped[i],
            mapped[parent] if isinstance(parent, int) else parent,
            platform,
            tuple(normal(c, package, ref) for c in body),
        )
        for i, (_, parent, platform, body) in enumerate(stages)
    ]


def emitted_stages(text: str) -> list[tuple]:
    """(name, parent, platform, instructions) of each stage of the emitted Dockerfile (the
    global ARGs before the first FROM left out: they are the originals' defaults)."""
    stages: list[list] = []
    for command in dockerfile.parse_string(text):
        if command.cmd.upper() == "FROM":
            words = list(command.value)
            stages.append([words[2], words[0], platform_of(command.flags), []])
        elif stages:
            stages[-1][3].append(normal(command, None, lambda v: v))
    return [(n, p, f, tuple(b)) for n, p, f, b in stages]


def label_names(text: str) -> dict[str, str]:
    """label -> emitted stage name, from the `# label, …` comment above each FROM."""
    found: dict[str, str] = {}
    labels: list[str] = []
    for line in text.splitlines():
        if line.startswith("# //"):
            labels = line[2:].split(", ")
        elif match := FROM_RE.match(line):
            found |= {label: match.group(1) for label in labels}
    return found


def build_differences(original: str, emitted: str, package: str, target: str) -> list[str]:
    """What differs between the original's stages and the emitted ones (none: the same build)."""
    by_label = label_names(emitted)

    def emitted_name(index: int, written: str | None) -> str:
        local = safe_name(written) if written else f"stage-{index}"
        local = f"{local}-stage" if local == target else local
        main, own = f"//{package}:{target}#{local}", f"//{package}:{target}-{local}"
        return by_label.get(main) or by_label.get(own) or f"(no stage for {main})"

    expected = original_stages(original, package, emitted_name)
    got = emitted_stages(emitted)
    actual = {s[0]: s for s in got}
    found = (
        [f"{len(actual)} stages emitted, {len(expected)} in the original"]
        if len(actual) > len(expected)
        else []
    )  # identical stages may be shared: fewer is fine
    found += [f"stage {s[0]}: {actual.get(s[0])} != {s}" for s in expected if actual.get(s[0]) != s]
    if got and expected and got[-1][0] != expected[-1][0]:
        found.append(f"ends with {got[-1][0]}, the original with {expected[-1][0]}")
    return found

"""The targets a uv workspace adds by itself: one `uv_library` per member that another member
depends on, so an internal library is a node of the graph (`query rdeps //libs/money`)
without a BUILD.toml of its own."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from graphbuild.core.errors import LoadError
from graphbuild.core.labels import Label, check_name
from graphbuild.core.model import Package, Target
from graphbuild.core.uv import UvWorkspace
from graphbuild.definition.fields import RuleKeys

LIBRARY_RULE = "uv_library"


def library_label(path: str) -> Label:
    """`//libs/money` for the member in libs/money: the folder's last part names it (the root
    project's library is named after the project: `//:mcp`)."""
    return Label(path, path.rsplit("/", 1)[-1])


def with_libraries(
    packages: list[Package], uv: UvWorkspace, rules: Mapping[str, RuleKeys]
) -> tuple[list[Package], UvWorkspace]:
    """`packages` plus a uv_library target for each internal library not declared by hand,
    and the uv workspace knowing each library's label (`//libs/money`, or `//svc:svc-lib`
    where the member's own package already has a target of the folder's name)."""
    labels = {
        str(t.config.get(key)): t.label
        for p in packages
        for t in p.targets
        for key, field in rules[t.rule].schema.items()
        if field.names_member
    }
    used = sorted({dep for m in uv.members.values() for dep in m.internal} - set(labels))
    by_path = {p.path: p for p in packages}
    for name in used:
        member = uv.members[name]
        label = library_label(member.path) if member.path else Label("", name)
        package = by_path.get(member.path)
        if package is not None and any(t.label == label for t in package.targets):
            label = Label(label.package, f"{label.name}-lib")
        check_name(label.name, "internal library name")
        labels[name] = label
        target = Target(label, LIBRARY_RULE, member.pyproject, None, {"member": name})
        if package is None:
            by_path[member.path] = Package(member.path, member.pyproject, (target,))
            continue
        if any(t.label == label for t in package.targets):
            raise LoadError(
                f"target {label} is also the internal library of member {name}: rename the"
                f" target, or declare it yourself with rule = \"{LIBRARY_RULE}\"",
                file=package.file, label=str(label), key="name",
            )  # fmt: skip
        by_path[member.path] = Package(package.path, package.file, (*package.targets, target))
    ordered = [by_path[path] for path in sorted(by_path, key=lambda p: (p != "", p))]
    return ordered, attrs.evolve(uv, libraries=labels)

"""Pictures of the stage DAG: Graphviz DOT, Mermaid (renders in GitHub markdown) and JSON;
with a plan, rebuilt stages are highlighted and every edge of a rebuild chain is marked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from graphbuild.core.model import Ref, Scratch
from graphbuild.graph.kinds import DiagramFormat
from graphbuild.graph.link import Graph

STATUS_COLOURS = {"rebuild": "#f4a261", "new": "#90be6d"}


def edges(graph: Graph) -> list[tuple[str, str, str]]:
    """(dependency, dependent, kind) with kind 'from' (built FROM) or 'copy' (COPY/mount)."""
    found = set()
    for label in graph.order:
        stage = graph.stages[label]
        for ref in stage.deps:
            dep = graph.resolve(ref)
            source = str(dep) if dep is not None else external_node(ref)
            found.add((source, str(label), "from" if ref == stage.parent else "copy"))
    return sorted(found)


def external_node(ref: Ref) -> str:
    """The node name of an external image, or scratch."""
    return "scratch" if isinstance(ref, Scratch) else str(ref)


def nodes(graph: Graph, statuses: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every stage and external image, with its target, image flag and plan status."""
    images = {str(graph.outputs[t.label]) for t in graph.images}
    result = []
    for label in sorted(graph.stages, key=str):
        entry: dict[str, Any] = {
            "id": str(label),
            "kind": "stage",
            "target": str(label.target),
            "image": str(label) in images,
        }
        if statuses:
            entry["status"] = statuses.get(str(label), "unchanged")
        result.append(entry)
    for source in sorted({e[0] for e in edges(graph) if not e[0].startswith("//")}):
        result.append({"id": source, "kind": "external"})
    return result


def on_chain(edge: tuple[str, str, str], statuses: Mapping[str, str]) -> bool:
    """An edge of a rebuild chain: both ends rebuild (or are new)."""
    moving = ("rebuild", "new")
    return statuses.get(edge[0]) in moving and statuses.get(edge[1]) in moving


def render_json(graph: Graph, statuses: Mapping[str, str]) -> str:
    """`{"nodes": [...], "edges": [...]}`."""
    edge_list = []
    for edge in edges(graph):
        item: dict[str, Any] = {"from": edge[0], "to": edge[1], "kind": edge[2]}
        if statuses:
            item["rebuild_chain"] = on_chain(edge, statuses)
        edge_list.append(item)
    return json.dumps({"nodes": nodes(graph, statuses), "edges": edge_list}, indent=2) + "\n"


def dot_quote(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(graph: Graph, statuses: Mapping[str, str]) -> str:
    """Graphviz DOT: one cluster per target; dashed edges for COPY --from."""
    lines = ["digraph graphbuild {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    by_target: dict[str, list[dict[str, Any]]] = {}
    for node in nodes(graph, statuses):
        by_target.setdefault(node.get("target", ""), []).append(node)
    for index, (target, members) in enumerate(sorted(by_target.items())):
        indent = "  "
        if target:
            lines.append(f"  subgraph cluster_{index} {{")
            lines.append(f"    label={dot_quote(target)}; style=rounded; color=grey;")
            indent = "    "
        for node in members:
            attributes = [f"label={dot_quote(node['id'])}"]
            if node["kind"] == "external":
                attributes.append("shape=ellipse")
            if node.get("image"):
                attributes.append("peripheries=2")
            colour = STATUS_COLOURS.get(node.get("status", ""))
            if colour:
                attributes += ["style=filled", f'fillcolor="{colour}"']
            lines.append(f"{indent}{dot_quote(node['id'])} [{', '.join(attributes)}];")
        if target:
            lines.append("  }")
    for edge in edges(graph):
        attributes = ["style=dashed"] if edge[2] == "copy" else []
        if statuses and on_chain(edge, statuses):
            attributes += ["color=red", "penwidth=2"]
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"  {dot_quote(edge[0])} -> {dot_quote(edge[1])}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def mermaid_text(text: str) -> str:
    """A Mermaid node label: quotes and # as entity codes."""
    return text.replace("#", "#35;").replace('"', "#quot;")


def render_mermaid(graph: Graph, statuses: Mapping[str, str]) -> str:
    """A Mermaid flowchart (GitHub renders it in markdown)."""
    all_nodes = nodes(graph, statuses)
    ids = {node["id"]: f"n{i}" for i, node in enumerate(all_nodes)}
    lines = ["flowchart LR"]
    by_target: dict[str, list[dict[str, Any]]] = {}
    for node in all_nodes:
        by_target.setdefault(node.get("target", ""), []).append(node)
    for index, (target, members) in enumerate(sorted(by_target.items())):
        if target:
            lines.append(f'  subgraph t{index}["{mermaid_text(target)}"]')
        for node in members:
            shape = ('(["', '"])') if node["kind"] == "external" else ('["', '"]')
            lines.append(f"    {ids[node['id']]}{shape[0]}{mermaid_text(node['id'])}{shape[1]}")
        if target:
            lines.append("  end")
    chain = []
    for number, edge in enumerate(edges(graph)):
        arrow = "-.->" if edge[2] == "copy" else "-->"
        lines.append(f"  {ids[edge[0]]} {arrow} {ids[edge[1]]}")
        if statuses and on_chain(edge, statuses):
            chain.append(str(number))
    for status, colour in STATUS_COLOURS.items():
        marked = [ids[n["id"]] for n in all_nodes if n.get("status") == status]
        if marked:
            lines.append(f"  classDef {status} fill:{colour}")
            lines.append(f"  class {','.join(marked)} {status}")
    if chain:
        lines.append(f"  linkStyle {','.join(chain)} stroke:red,stroke-width:2px")
    return "\n".join(lines) + "\n"


RENDERERS = {
    DiagramFormat.DOT: render_dot,
    DiagramFormat.MERMAID: render_mermaid,
    DiagramFormat.JSON: render_json,
}


def render(graph: Graph, fmt: DiagramFormat, statuses: Mapping[str, str] | None = None) -> str:
    """The DAG in `fmt` (dot, mermaid, json)."""
    return RENDERERS[fmt](graph, statuses or {})

"""Plans as text for people and as JSON for CI."""

from __future__ import annotations

import json
from collections import Counter

from graphbuild.core.printable import arrows
from graphbuild.hashing.stages import short_hash
from graphbuild.lint import Finding, Severity
from graphbuild.plan.compare import CHAIN_ENDS
from graphbuild.plan.entries import Entry, EntryKind, Plan, Status


def plan_json(plan: Plan) -> str:
    """The documented JSON document, with a trailing newline."""
    return json.dumps(plan.to_json(), indent=2, sort_keys=False) + "\n"


def short(digest: str | None) -> str:
    """The first 12 hex digits of a `sha256:` hash."""
    return short_hash(digest) or "-"


def counts(entries: list[Entry]) -> str:
    """'2 rebuild, 5 unchanged'."""
    tally = Counter(e.status for e in entries)
    return ", ".join(f"{n} {status}" for status, n in sorted(tally.items())) or "none"


def entry_lines(entry: Entry, entries: dict[str, Entry], explain: bool) -> list[str]:
    """An entry's status line and its reasons, own changes before upstream ones; with
    `explain`, the chain down to the first cause when the change came from upstream."""
    pushed = "  (in registry)" if entry.in_registry else ""
    lines = [f"{entry.status:<10} {entry.label}  {short(entry.hash)}{pushed}"]
    for reason in entry.own:
        lines.append(f"{'':<10}   {reason.sentence()}")
    upstream = [r for r in entry.reasons if r.upstream]
    for reason in upstream:
        lines.append(f"{'':<10}   {reason.sentence()}")
    if explain and entry.status == Status.REBUILD and not entry.own and entry.chain:
        root = entries.get(entry.chain[-1])
        cause = root.own[0].sentence() if root and root.own else "changed"
        lines.append(f"{'':<10}   first cause: {chain_text(entry)}: {cause}")
    return lines


def chain_text(entry: Entry) -> str:
    """`a -> b -> … 992 more … -> y -> z`."""
    chain = entry.chain
    if not entry.chain_skipped:
        return arrows(chain)
    return arrows(chain[:CHAIN_ENDS], entry.chain_skipped, chain[CHAIN_ENDS:])


def plan_text(plan: Plan, baseline: str) -> str:
    """Every image with its status, then the stages that change, for people."""
    entries = {e.label: e for e in plan.entries}
    images = [e for e in plan.entries if e.kind is EntryKind.IMAGE]
    stages = [e for e in plan.entries if e.kind is EntryKind.STAGE]
    lines = [f"Plan against {baseline}: images: {counts(images)}; stages: {counts(stages)}.", ""]
    if images:
        lines.append("Images:")
        for entry in images:
            lines += entry_lines(entry, entries, explain=True)
        lines.append("")
    changed = [e for e in stages if e.status != Status.UNCHANGED]
    if changed:
        lines.append("Stages that change:")
        for entry in changed:
            lines += entry_lines(entry, entries, explain=False)
        lines.append("")
    lines.append("Nothing to rebuild." if not plan.changed else "Run `graphbuild lock` to accept.")
    return "\n".join(lines) + "\n"


def findings_text(findings: list[Finding]) -> str:
    """Lint findings, one line each with the fix hint under it, and a summary."""
    lines = []
    for f in findings:
        where = f"{f.file}:{f.line}" if f.file and f.line else f.file or "-"
        key = f" {f.key}" if f.key else ""
        lines.append(f"{where}: {f.severity} {f.id} {f.label}{key}: {f.message}")
        lines.append(f"    fix: {f.hint}")
    tally = Counter(f.severity for f in findings)
    summary = ", ".join(f"{tally[s]} {s}{'s' if tally[s] != 1 else ''}" for s in Severity)
    lines.append(f"lint: {summary}" if findings else "lint: clean")
    return "\n".join(lines) + "\n"


def findings_json(findings: list[Finding]) -> str:
    """`lint --format json`: the findings and a count per severity."""
    tally = Counter(f.severity for f in findings)
    document = {
        "findings": [f.to_json() for f in findings],
        "summary": {str(s): tally[s] for s in Severity},
    }
    return json.dumps(document, indent=2) + "\n"

"""Making the plan: each image's and stage's status against a baseline, and the first cause
of each rebuild."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import attrs

from graphbuild.core.labels import Label
from graphbuild.graph.link import Graph
from graphbuild.hashing.lockfile import Lock
from graphbuild.hashing.packed import Difference, TreeDigest, differences
from graphbuild.hashing.stages import Hashes, StageRecord
from graphbuild.plan.entries import Entry, EntryKind, Plan, Reason, ReasonKind, Status

Change = Difference  # path, before, after


def input_changes(old: StageRecord, new: StageRecord) -> Iterator[Change]:
    """Each input that differs, in path order; a folder whose tree moved, file by file where
    both records know its files."""
    for path, before, after in differences(old.inputs, new.inputs):
        was, now = old.contents.get(path), new.contents.get(path)
        folders = isinstance(before, TreeDigest) and isinstance(after, TreeDigest)
        if folders and was is not None and now is not None and was.packed != "[]" != now.packed:
            yield from differences(was, now)
        else:
            yield path, before, after


def compare_records(old: StageRecord, new: StageRecord) -> list[Reason]:
    """What differs between two records of one stage: own changes first, then upstream."""
    own: list[Reason] = []
    upstream: list[Reason] = []
    if old.parent != new.parent:
        if old.parent_hash is None and new.parent_hash is None:
            own.append(Reason(ReasonKind.BASE_CHANGED, old=old.parent, new=new.parent))
        else:
            own.append(Reason(ReasonKind.DEFINITION_CHANGED, key="from"))
    elif old.parent_hash != new.parent_hash:
        upstream.append(Reason(ReasonKind.UPSTREAM, label=new.parent))
    if len(old.steps) != len(new.steps):
        keys = dict.fromkeys(k for k in new.step_keys if k not in old.step_keys) or {"steps": None}
        own += [Reason(ReasonKind.DEFINITION_CHANGED, key=key) for key in keys]
    else:
        changed = [
            new.step_keys[i]
            for i, (a, b) in enumerate(zip(old.steps, new.steps, strict=True))
            if a != b
        ]
        own += [Reason(ReasonKind.DEFINITION_CHANGED, key=key) for key in dict.fromkeys(changed)]
    upstream += [
        Reason(ReasonKind.UPSTREAM, label=label)
        for label, digest in new.refs.items()
        if label in old.refs and old.refs[label] != digest and label != new.parent
    ]
    if old.pins != new.pins:
        own += [
            Reason(
                ReasonKind.LOCK_CHANGED, key=name, old=old.pins.get(name), new=new.pins.get(name)
            )
            for name in sorted(old.pins.keys() | new.pins.keys())
            if old.pins.get(name) != new.pins.get(name)
        ]
    slices = set(old.generated) | set(new.generated) if old.pins != new.pins else set()
    for path, before, after in input_changes(old, new):
        if path in slices:  # the lock reasons above say what moved in it
            continue
        if before is None:
            own.append(Reason(ReasonKind.INPUT_ADDED, path=path))
        elif after is None:
            own.append(Reason(ReasonKind.INPUT_REMOVED, path=path))
        elif isinstance(before, TreeDigest) or isinstance(after, TreeDigest):
            own.append(Reason(ReasonKind.INPUT_CHANGED, path=path))  # files unknown: the folder
        elif before[0] != after[0] or before[2] != after[2]:
            own.append(Reason(ReasonKind.INPUT_CHANGED, path=path))
        elif before[1] != after[1]:
            modes = ("-x", "+x")
            own.append(
                Reason(
                    ReasonKind.INPUT_MODE_CHANGED,
                    path=path,
                    old=modes[before[1]],
                    new=modes[after[1]],
                )
            )
    for name in sorted(old.args.keys() | new.args.keys()):
        if old.args.get(name) != new.args.get(name):
            own.append(Reason(ReasonKind.DEFINITION_CHANGED, key=f"args.{name}"))
    if old.platforms != new.platforms:
        own.append(Reason(ReasonKind.DEFINITION_CHANGED, key="platforms"))
    if not own and not upstream:
        own.append(Reason(ReasonKind.DEFINITION_CHANGED, key="schema"))
    return own + upstream


def stage_reasons(
    record: StageRecord, previous: str, old_records: Mapping[str, StageRecord], rebuilt: set[str]
) -> list[Reason]:
    """The reasons one stage's hash moved from `previous`."""
    old = old_records.get(previous)
    if old is not None:
        return compare_records(old, record)
    deps = sorted({*record.refs, record.parent} & rebuilt)
    return [Reason(ReasonKind.UNRECORDED), *(Reason(ReasonKind.UPSTREAM, label=d) for d in deps)]


def make_plan(
    graph: Graph, hashes: Hashes, baseline: Lock, old_records: Mapping[str, StageRecord]
) -> Plan:
    """Statuses and reasons of every image and stage against the baseline."""
    stage_entries: dict[str, Entry] = {}
    rebuilt: set[str] = set()
    for label in graph.order:  # dependencies first, so upstream statuses are known
        record = hashes.stages[label]
        previous = baseline.stages.get(str(label))
        if previous is None:
            entry = Entry(str(label), EntryKind.STAGE, record.hash, None, Status.NEW)
        elif previous == record.hash:
            entry = Entry(str(label), EntryKind.STAGE, record.hash, previous, Status.UNCHANGED)
        else:
            why = tuple(stage_reasons(record, previous, old_records, rebuilt))
            entry = Entry(str(label), EntryKind.STAGE, record.hash, previous, Status.REBUILD, why)
        if entry.status != Status.UNCHANGED:
            rebuilt.add(str(label))
        stage_entries[str(label)] = entry
    for name, previous in baseline.stages.items():
        if name not in stage_entries:
            stage_entries[name] = Entry(name, EntryKind.STAGE, None, previous, Status.REMOVED)
    chains = first_causes(stage_entries)
    stage_entries = {
        k: attrs.evolve(e, chain=chains[k][0], chain_skipped=chains[k][1])
        for k, e in stage_entries.items()
    }
    entries = dict(stage_entries)
    for target in graph.images:
        output = stage_entries[str(graph.outputs[target.label])]
        previous = baseline.images.get(str(target.label))
        status = output.status if previous is not None else Status.NEW
        if previous is not None and previous == output.hash:
            status = Status.UNCHANGED
        reasons: tuple[Reason, ...] = output.reasons if str(target.label) == output.label else ()
        if status == Status.REBUILD:
            reasons = (*what_moved(graph, target.label, stage_entries), *reasons)
        if status == Status.REBUILD and not reasons:
            reasons = (Reason(ReasonKind.UPSTREAM, label=output.label),)
        chain, skipped = (
            image_chain(str(target.label), output)
            if output.label != str(target.label)
            else (output.chain, output.chain_skipped)
        )
        entries[str(target.label)] = Entry(
            str(target.label),
            EntryKind.IMAGE,
            output.hash,
            previous,
            status,
            reasons,
            chain if status == Status.REBUILD else (),
            skipped if status == Status.REBUILD else 0,
        )
    current_images = {str(t.label) for t in graph.images}
    for name, previous in baseline.images.items():
        if name not in current_images:
            entries[name] = Entry(name, EntryKind.IMAGE, None, previous, Status.REMOVED)
    return Plan(entries=tuple(e for _, e in sorted(entries.items())))


def image_chain(image: str, output: Entry) -> tuple[tuple[str, ...], int]:
    """An image's chain: its own label, then its output stage's chain (summarised alike)."""
    if not output.chain:
        return (), 0
    if not output.chain_skipped and len(output.chain) < 2 * CHAIN_ENDS:
        return (image, *output.chain), 0
    head = (image, *output.chain[: CHAIN_ENDS - 1])
    return (*head, *output.chain[-CHAIN_ENDS:]), output.chain_skipped + 1


def what_moved(
    graph: Graph,
    image: Label,
    entries: Mapping[str, Entry],
) -> list[Reason]:
    """The causes an image owes to its own other stages' lock slices and to the internal
    libraries it installs, named as such (`lock: numpy 2.4.6 -> 2.5.5`, `internal library
    //libs/money: libs/money/src/money/__init__.py`)."""
    found: list[Reason] = []
    upstream = graph.built_from(graph.outputs[image])
    moved = sorted(label for label in upstream if entries[str(label)].status is Status.REBUILD)
    for label in moved:
        entry = entries[str(label)]
        if label.target == image.target:
            found += [r for r in entry.reasons if r.kind is ReasonKind.LOCK_CHANGED]
        elif graph.facts[label.target].library is not None:
            paths = [r.path for r in entry.reasons if r.path is not None]
            found += [Reason(ReasonKind.INTERNAL_LIBRARY, label=str(label), path=p) for p in paths]
    return found


CHAIN_ENDS = 4  # a longer chain keeps this many labels at each end, and counts the rest


def first_causes(entries: Mapping[str, Entry]) -> dict[str, tuple[tuple[str, ...], int]]:
    """Each entry's chain from itself down its first upstream reasons to one with its own
    cause, as (labels, skipped): a chain longer than 2 * CHAIN_ENDS keeps its ends and counts
    the labels left out between them, so a plan stays proportional to what changed."""
    upstream = {label: next_down(entry, entries) for label, entry in entries.items()}
    length: dict[str, int] = {}
    tail: dict[str, tuple[str, ...]] = {}
    for start in entries:
        path: list[str] = []
        at: str | None = start
        while at is not None and at not in length and at not in path:
            path.append(at)
            at = upstream[at]
        for label in reversed(path):
            below = upstream[label]
            if below is None or below not in length:
                length[label], tail[label] = 1, (label,)
            else:
                length[label] = length[below] + 1
                tail[label] = tail[below] if length[below] >= CHAIN_ENDS else (label, *tail[below])
    return {label: chain_of(label, upstream, length, tail) for label in entries}


def next_down(entry: Entry, entries: Mapping[str, Entry]) -> str | None:
    """The label an entry's chain goes on to: its first upstream reason's, when it rebuilds
    for no change of its own."""
    if entry.status != Status.REBUILD or entry.own or not entry.reasons:
        return None
    below = entry.reasons[0].label
    return below if below in entries and below != entry.label else None


def chain_of(
    label: str,
    upstream: Mapping[str, str | None],
    length: Mapping[str, int],
    tail: Mapping[str, tuple[str, ...]],
) -> tuple[tuple[str, ...], int]:
    """The chain from `label`, summarised as first_causes says."""
    total = length[label]
    head: list[str] = []
    at: str | None = label
    while at is not None and len(head) < min(total, 2 * CHAIN_ENDS):
        head.append(at)
        at = upstream[at]
    if total <= 1:
        return (), 0
    if total <= 2 * CHAIN_ENDS:
        return tuple(head), 0
    return (*head[:CHAIN_ENDS], *tail[label]), total - 2 * CHAIN_ENDS


def mark_pushed(plan: Plan, pushed: set[str]) -> Plan:
    """The plan with images whose hash tag is in the registry already marked unchanged."""
    entries = tuple(
        attrs.evolve(
            e, status=Status.UNCHANGED, reasons=(), chain=(), chain_skipped=0, in_registry=True
        )
        if e.kind is EntryKind.IMAGE and e.label in pushed
        else e
        for e in plan.entries
    )
    return Plan(entries=entries)


def to_build(plan: Plan) -> list[Entry]:
    """The image entries that would be built: rebuilt or new."""
    return [
        e
        for e in plan.entries
        if e.kind is EntryKind.IMAGE and e.status in (Status.REBUILD, Status.NEW)
    ]

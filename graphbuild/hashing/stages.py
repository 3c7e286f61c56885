"""Merkle content hashes of stages and targets, known before anything is built
(docs/design.md §5)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import attrs

from graphbuild.core.labels import Label
from graphbuild.core.model import EPOCH_ARG, SCHEMA_VERSION, Ref, Stage, StageRef
from graphbuild.core.steps import declared_args, defaulted_args, render_step, used_args
from graphbuild.graph.link import Graph
from graphbuild.hashing.file_digests import FileDigest
from graphbuild.hashing.packed import InputDigest, PackedInputs, pack
from graphbuild.hashing.reading import blob_id
from graphbuild.hashing.trees import FolderFiles, edited_entries, files_read, stage_entries


@attrs.frozen
class StageRecord:
    """A stage's hash and what it covers, in the terms a rebuild reason needs (JSON-able)."""

    label: str
    hash: str
    parent: str  # a stage label, or an external image reference
    parent_hash: str | None  # the parent stage's hash; None for an external image
    steps: tuple[str, ...]  # rendered with labels, so a definition change reads as one
    step_keys: tuple[str, ...]  # the BUILD.toml key each step came from, for reasons
    refs: Mapping[str, str]  # label -> hash of every stage the steps read from
    inputs: Mapping[str, InputDigest]  # path -> (blob id, executable, symlink), or folder/ ->
    # (tree id,)
    args: Mapping[str, str]
    platforms: tuple[str, ...]
    generated: tuple[str, ...] = ()  # the inputs emit writes (lock slices), by path
    pins: Mapping[str, str] = attrs.field(factory=dict)  # their package -> version
    # folder/ -> its files' digests, for a folder whose tree id was computed here (git's
    # object store holds the others): the files a rebuild reason names
    contents: Mapping[str, PackedInputs] = attrs.field(factory=dict, eq=False)

    def to_json(self) -> dict[str, Any]:
        """A plain dict for the record cache."""
        return attrs.asdict(self, recurse=False) | {
            "steps": list(self.steps),
            "step_keys": list(self.step_keys),
            "refs": dict(self.refs),
            "inputs": pack(self.inputs),
            "args": dict(self.args),
            "platforms": list(self.platforms),
            "generated": list(self.generated),
            "pins": dict(self.pins),
            "contents": {folder: files.packed for folder, files in self.contents.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StageRecord:
        """The inverse of to_json."""
        return cls(
            label=data["label"],
            hash=data["hash"],
            parent=data["parent"],
            parent_hash=data["parent_hash"],
            steps=tuple(data["steps"]),
            step_keys=tuple(data["step_keys"]),
            refs=dict(data["refs"]),
            inputs=PackedInputs(packed=data["inputs"]),
            args=dict(data["args"]),
            platforms=tuple(data["platforms"]),
            generated=tuple(data.get("generated", ())),
            pins=dict(data.get("pins", {})),
            contents={k: PackedInputs(packed=v) for k, v in data.get("contents", {}).items()},
        )


@attrs.frozen
class Hashes:
    """Every stage's record and every target's hash (its output stage's hash)."""

    stages: Mapping[Label, StageRecord]
    targets: Mapping[Label, str]


def canonical_json(document: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes a hash is taken over."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_stage_json(document: Mapping[str, Any], inputs: str) -> bytes:
    """canonical_json of `document` with an "inputs" key whose value is already canonical
    JSON text (a PackedInputs string). The bytes are exactly canonical_json's."""
    parts = {key: canonical_json(value).decode() for key, value in document.items()}
    parts["inputs"] = inputs
    return ("{" + ",".join(f'"{key}":{parts[key]}' for key in sorted(parts)) + "}").encode()


def sha256_hex(data: bytes) -> str:
    """`sha256:<64 hex>` of `data`."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def short_hash(digest: str | None) -> str:
    """The first 12 hex digits of a `sha256:` hash (the image tag); '' for none."""
    return (digest or "").removeprefix("sha256:")[:12]


def stage_args(stage: Stage, workspace_args: Mapping[str, str]) -> dict[str, str]:
    """The build args a stage uses: its own, and the workspace's that its steps mention (and
    SOURCE_DATE_EPOCH, which BuildKit and the build's tools read without being told)."""
    used = (
        set().union(*(used_args(s, workspace_args) for s in stage.steps)) if stage.steps else set()
    )
    used |= redeclared_args(stage, workspace_args)
    if EPOCH_ARG in workspace_args:
        used.add(EPOCH_ARG)
    used -= own_defaults(stage)  # `ARG NAME=value` in the stage: the workspace's never reaches it
    return {**{n: workspace_args[n] for n in sorted(used)}, **dict(stage.args)}


def own_defaults(stage: Stage) -> set[str]:
    """The names the stage's ARG steps give defaults of their own."""
    return set().union(*(defaulted_args(s) for s in stage.steps)) if stage.steps else set()


def redeclared_args(stage: Stage, workspace_args: Mapping[str, str]) -> set[str]:
    """The workspace args the stage declares itself with an ARG step: the Dockerfile declares
    them before the first FROM, so the stage's `ARG NAME` takes their value as Docker's does."""
    found: set[str] = set()
    for step in stage.steps:
        found |= declared_args(step) - defaulted_args(step)
    return found & workspace_args.keys()


def hash_graph(
    graph: Graph,
    inputs: Mapping[Label, tuple[str, ...]],
    digests: Mapping[str, FileDigest],
    trees: Mapping[str, str] | None = None,
) -> Hashes:
    """Hash every stage in topological order, each over its parent's and references' hashes
    (`trees`: folder -> the tree id git gave it, for the folder inputs git vouched for; their
    files need no digest)."""
    records: dict[Label, StageRecord] = {}
    for label in graph.order:
        stage = graph.stages[label]
        files, contents = stage_entries(stage, inputs.get(label, ()), digests, trees or {})
        for generated in stage.generated:
            files[generated.path] = FileDigest(blob_id(generated.text.encode()), False)
        records[label] = hash_stage(graph, label, files, records, contents)
    return Hashes(stages=records, targets=target_hashes(graph, records))


def rehash_graph(
    graph: Graph,
    inputs: Mapping[Label, tuple[str, ...]],
    old: Hashes,
    edited: Mapping[str, FileDigest],
    folder_files: FolderFiles,
) -> Hashes:
    """The hashes after the files in `edited` changed, everything else as in `old`: only the
    stages that read an edited file, or depend on a stage whose hash moved, are hashed."""
    records: dict[Label, StageRecord] = {}
    moved: set[Label] = set()
    parents: dict[Label, list[Label]] = {}
    for dependency, dependent in graph.edges:
        parents.setdefault(dependent, []).append(dependency)
    for label in graph.order:
        before = old.stages[label]
        reads = files_read(inputs.get(label, ()), edited)
        upstream = any(d in moved for d in parents.get(label, ()))
        if not reads and not upstream:
            records[label] = before
            continue
        files, contents = before.inputs, before.contents  # unchanged: reused as they are
        if reads:
            stage = graph.stages[label]
            files, contents = edited_entries(
                stage, before.inputs, before.contents, reads, edited, folder_files
            )
        records[label] = hash_stage(graph, label, files, records, contents)
        if records[label].hash != before.hash:
            moved.add(label)
    return Hashes(stages=records, targets=target_hashes(graph, records))


def target_hashes(graph: Graph, records: Mapping[Label, StageRecord]) -> dict[Label, str]:
    """Each target's hash: its output stage's."""
    return {t: records[out].hash for t, out in sorted(graph.outputs.items())}


def hash_stage(
    graph: Graph,
    label: Label,
    files: Mapping[str, InputDigest],
    records: Mapping[Label, StageRecord],
    contents: Mapping[str, PackedInputs] | None = None,
) -> StageRecord:
    """One stage's record, over its input digests and the records of the stages it uses."""
    stage = graph.stages[label]

    def ref_value(ref: Ref) -> str:
        return graph.ref_text(ref, lambda resolved: records[resolved].hash)

    def ref_name(ref: Ref) -> str:
        resolved = graph.resolve(ref)
        return str(resolved) if resolved is not None else str(ref)

    parent_label = graph.resolve(stage.parent)
    args = stage_args(stage, dict(graph.workspace.settings.args))
    packed = files if isinstance(files, PackedInputs) else PackedInputs(files)
    document = {
        "schema": SCHEMA_VERSION,
        "parent": ref_value(stage.parent),
        "steps": [render_step(s, stage.package, ref_value) for s in stage.steps],
        "args": args,
        "platforms": sorted(stage.platforms),
    }
    if stage.platform is not None:  # only then: every other stage's hash stays as it was
        document["platform"] = str(stage.platform)
    refs = {
        str(graph.resolve(r)): ref_value(r)
        for s in stage.steps
        for r in s.refs
        if isinstance(r, StageRef)
    }
    return StageRecord(
        label=str(label),
        hash=sha256_hex(canonical_stage_json(document, packed.packed)),
        parent=ref_name(stage.parent) if parent_label else ref_value(stage.parent),
        parent_hash=records[parent_label].hash if parent_label else None,
        steps=tuple(render_step(s, stage.package, ref_name) for s in stage.steps),
        step_keys=tuple(s.key for s in stage.steps),
        refs=dict(sorted(refs.items())),
        inputs=packed,
        args=args,
        platforms=tuple(sorted(stage.platforms)),
        generated=tuple(g.path for g in stage.generated),
        pins={k: v for g in stage.generated for k, v in sorted(g.pins.items())},
        contents=dict(contents or {}),
    )

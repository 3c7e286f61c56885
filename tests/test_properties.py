"""Invariants as properties over random valid workspaces (hypothesis): the output is a pure
function of the content, and one changed byte moves exactly its readers and their dependents."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from graphbuild.analysis.commit import definition_files, index_listing
from graphbuild.analysis.run import analyze
from graphbuild.core.labels import parse_label
from graphbuild.emit.outputs import render_outputs
from graphbuild.graph.link import ancestors, dependencies_of
from graphbuild.hashing.packed import (
    FileDigest,
    PackedInputs,
    TreeDigest,
    differences,
    packed_differences,
)
from graphbuild.state.digests import pack_stat_rows, unpack_stat_rows
from graphbuild.tree.git_objects import indexed_below
from graphbuild.tree.git_view import index_entry, index_seek

PIN = "debian:bookworm-slim@sha256:" + "d" * 64
NAMES = st.sampled_from(["a", "b", "c", "d", "e", "f"])


@st.composite
def workspaces(draw) -> dict:
    """A spec: packages, each with files and raw-stage targets reading some of them."""
    packages = draw(
        st.lists(
            st.sampled_from(["svc/x", "svc/y", "lib", "tools"]), min_size=1, max_size=3, unique=True
        )
    )
    spec: dict = {}
    earlier: list[str] = []
    for package in packages:
        files = draw(
            st.dictionaries(
                NAMES.map(lambda n: f"src/{n}.py"),
                st.binary(min_size=1, max_size=40),
                min_size=1,
                max_size=4,
            )
        )
        targets = []
        for name in draw(st.lists(NAMES, min_size=1, max_size=3, unique=True)):
            reads = draw(st.lists(st.sampled_from(sorted(files)), max_size=len(files), unique=True))
            parent = draw(st.sampled_from(["@base", *earlier]))
            targets.append({"name": name, "from": parent, "reads": sorted(reads)})
            earlier.append(f"//{package}:{name}")
        spec[package] = {"files": files, "targets": targets}
    return spec


def write(root: Path, spec: dict, reverse: bool) -> None:
    """Write the spec; `reverse` flips declaration and file creation order."""
    (root / "BUILD.toml").write_text(
        f'[workspace]\nname = "p"\n\n[external.base]\nimage = "{PIN}"\n'
    )
    packages = sorted(spec, reverse=reverse)
    for package in packages:
        folder = root / package
        for path in sorted(spec[package]["files"], reverse=reverse):
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(spec[package]["files"][path])
        text = ""
        targets = spec[package]["targets"]
        for target in reversed(targets) if reverse else targets:
            steps = [f"COPY {path} /app/{path}" for path in target["reads"]]
            image = f"{package.replace('/', '-')}-{target['name']}"
            text += "\n".join(
                [
                    "[[target]]",
                    f'name = "{target["name"]}"',
                    'rule = "stages"',
                    f'image = "{image}"',
                    f'from = "{target["from"]}"',
                    f"inputs = {json.dumps(target['reads'])}",
                    f"steps = {json.dumps(steps)}",
                    "",
                    "",
                ]
            )
        (folder / "BUILD.toml").write_text(text)


def outputs(root: Path) -> dict[str, str]:
    analysis = analyze(root, use_cache=False)
    return dict(render_outputs(analysis.graph, analysis.hashes, in_git=False).files)


@settings(max_examples=30, deadline=None)
@given(workspaces())
def test_order_and_location_do_not_change_the_output(spec: dict):
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        first, second = Path(one), Path(two) / "deeper" / "checkout"
        second.mkdir(parents=True)
        write(first, spec, reverse=False)
        write(second, spec, reverse=True)
        assert outputs(first) == outputs(second)


@settings(max_examples=30, deadline=None)
@given(workspaces(), st.data())
def test_one_changed_byte_moves_exactly_its_readers_and_dependents(spec: dict, data):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write(root, spec, reverse=False)
        before = analyze(root, use_cache=False)
        package = data.draw(st.sampled_from(sorted(spec)))
        path = data.draw(st.sampled_from(sorted(spec[package]["files"])))
        content = bytearray((root / package / path).read_bytes())
        content[data.draw(st.integers(0, len(content) - 1))] ^= 1 << data.draw(st.integers(0, 7))
        (root / package / path).write_bytes(bytes(content))
        after = analyze(root, use_cache=False)
        changed = f"{package}/{path}"
        readers = {label for label, files in before.inputs.items() if changed in files}
        expected = set(readers)
        for label in readers:
            expected |= nx.descendants(before.graph.dag, label)
        moved = {
            label for label, record in after.hashes.stages.items()
            if record.hash != before.hashes.stages[label].hash
        }  # fmt: skip
        assert moved == expected


@settings(max_examples=200, deadline=None)
@given(
    document=st.fixed_dictionaries(
        {
            "schema": st.text(),
            "parent": st.text(),
            "steps": st.lists(st.text()),
            "args": st.dictionaries(st.text(), st.text()),
            "platforms": st.lists(st.text()),
        }
    ),
    inputs=st.dictionaries(
        st.text(min_size=1),
        st.tuples(st.text(alphabet="0123456789abcdef"), st.booleans(), st.booleans()),
    ),
)
def test_stage_json_written_by_hand_is_canonical_json(document, inputs):
    """The fast writer of a stage's document gives canonical_json's bytes, whatever the paths
    hold (quotes, backslashes, control characters, any Unicode)."""
    from graphbuild.hashing.packed import PackedInputs, inputs_json
    from graphbuild.hashing.stages import canonical_json, canonical_stage_json

    ordered = sorted(inputs.items())
    listed = [{"path": p, "blob": d[0], "executable": d[1], "symlink": d[2]} for p, d in ordered]
    expected = canonical_json({**document, "inputs": listed})
    assert canonical_stage_json(document, inputs_json(ordered)) == expected
    assert dict(PackedInputs(packed=inputs_json(ordered))) == dict(ordered)  # and back


def input_digests() -> st.SearchStrategy:
    """path -> a file's or a folder's digest; paths that look like the list's own syntax."""
    path = st.one_of(
        st.text(min_size=1),
        st.sampled_from(['a},{"blob":"x', 'b"},{"path":"', "c},{", "d\\", 'e"', "f/"]),
    )
    blob = st.text(alphabet="0123456789abcdef", max_size=3)
    file = st.builds(FileDigest, blob, st.booleans(), st.booleans())
    return st.dictionaries(path, st.one_of(file, st.builds(TreeDigest, blob)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(old=input_digests(), new=input_digests(), shared=input_digests())
def test_packed_inputs_differ_where_their_unpacked_mappings_do(old, new, shared):
    """The differences of two packed lists, found from their text, are those of the mappings."""
    before, after = {**shared, **old}, {**shared, **new}
    expected = [
        (path, before.get(path), after.get(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    ]
    packed = PackedInputs(before), PackedInputs(after)
    assert packed_differences(packed[0].packed, packed[1].packed) == expected  # from the text
    assert differences(*packed) == expected
    assert differences(before, PackedInputs(after)) == expected  # unpacked on one side


def test_packed_inputs_that_are_not_the_canonical_list_are_compared_unpacked():
    odd = PackedInputs(packed='[{"tree": "1", "path": "a/"}, {"tree": "3", "path": "b/"}]')
    assert differences(odd, PackedInputs({"a/": TreeDigest("2"), "b/": TreeDigest("3")})) == [
        ("a/", TreeDigest("1"), TreeDigest("2"))
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=40))
def test_a_plans_ancestors_are_networkx_ancestors(pairs):
    """The plan's own walk up the graph finds what networkx finds, on random DAGs."""
    labels = [parse_label(f"//p:s{i}") for i in range(12)]
    edges = sorted({(labels[min(a, b)], labels[max(a, b)]) for a, b in pairs if a != b})
    dag = nx.DiGraph()
    dag.add_nodes_from(labels)
    dag.add_edges_from(edges)
    feeding = dependencies_of(edges)
    for label in labels:
        assert ancestors(feeding, label) == nx.ancestors(dag, label)
    some = labels[::3]
    assert ancestors(feeding, *some) == set().union(*(nx.ancestors(dag, s) for s in some))


file_names = st.text(
    st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), min_size=1
).map(lambda name: name + "\udcff")  # a name that is not UTF-8 (surrogate-escaped byte)
stat_rows = st.tuples(
    *[st.integers(0, 2**63) for _ in range(4)],
    st.text("0123456789abcdef", min_size=40, max_size=40),
)


@given(st.dictionaries(st.one_of(file_names, file_names.map(lambda n: n[:-1])), stat_rows))
def test_the_stat_cache_packs_and_unpacks_exactly(rows):
    packed = b"".join(pack_stat_rows(rows.items()))
    assert unpack_stat_rows(packed) == rows
    assert unpack_stat_rows(packed + b"\0x") is None  # a field short: not rows
    if rows:
        assert unpack_stat_rows(packed.replace(b"\0", b"\0z", 1)) is None  # a size not a number


index_entries = st.dictionaries(
    st.text("ab/.-\té", min_size=1, max_size=6), st.frozensets(st.integers(0, 3), min_size=1)
)  # path -> its stages (a conflict has stages 1-3)


def test_a_stat_cache_of_many_rows_packs_in_pieces_and_unpacks_whole():
    rows = {f"f{n}/é": (n, n + 1, n + 2, n + 3, f"{n:040x}") for n in range(10_000)}
    assert unpack_stat_rows(b"".join(pack_stat_rows(rows.items()))) == rows


@given(index_entries, st.text("ab/.-\té", max_size=6))
def test_lookups_in_the_index_listing_equal_a_scan_of_every_line(entries, probe):
    listing = sorted((path.encode(), stage) for path, stages in entries.items() for stage in stages)
    lines = [b"H 100644 %040x %d\t%s\0" % (n, stage, raw) for n, (raw, stage) in enumerate(listing)]
    index = b"".join(lines)  # as git lists its index: sorted by path bytes, then stage
    stage0 = {
        raw.decode(): (0o100644, f"{n:040x}")
        for n, (raw, stage) in enumerate(listing)
        if stage == 0
    }
    assert index_entry(index, probe) == stage0.get(probe)
    folder = probe.rstrip("/") or "a"
    below = {p: v for p, v in stage0.items() if p.startswith(folder + "/")}
    assert indexed_below(index, folder) == below
    key = probe.encode()
    assert index_seek(index, key) == sum(
        len(line) for line, (raw, _) in zip(lines, listing, strict=True) if raw < key
    )


listing_names = st.text("ab/\t é", min_size=1, max_size=8).filter(
    lambda n: not n.startswith("/") and not n.endswith("/") and "//" not in n
) | st.sampled_from(["BUILD.toml", "p/pyproject.toml", "uv.lock", "a\tuv.lock", "xuv.lock"])
modes = st.sampled_from([b"100644", b"100755", b"120000"])
tree_lines = st.lists(st.tuples(modes, st.integers(0, 2**160 - 1), listing_names))
DEFINITIONS = ("BUILD.toml", "pyproject.toml", "uv.lock")


@given(tree_lines)
def test_a_commit_listing_is_read_as_a_line_by_line_reading_would(lines):
    listing = b"".join(b"%s blob %040x\t%s\0" % (m, n, p.encode()) for m, n, p in lines)
    index = b"".join(b"H %s %040x 0\t%s\0" % (m, n, p.encode()) for m, n, p in lines)
    assert index_listing(listing) == index
    expected = {}
    for mode, n, path in lines:
        if mode == b"120000" or path.rpartition("/")[2] in DEFINITIONS:
            expected[path] = (f"{n:040x}", mode == b"120000")
    assert definition_files(listing) == expected
    assert index_listing(listing + b"160000 commit " + b"0" * 40 + b"\tsub\0") is None

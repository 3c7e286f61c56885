"""Image references and the registry, checked by the distribution reference grammar."""

from __future__ import annotations

import pytest

from graphbuild.definition.references import reference_problem, registry_problem

DIGEST = "sha256:" + "d" * 64


@pytest.mark.parametrize(
    "reference",
    [
        "debian",
        "debian:bookworm-slim",
        f"debian:bookworm-slim@{DIGEST}",
        f"debian@{DIGEST}",
        "localhost:5000/team/app:1.0",
        "127.0.0.1:5000/cache",
        "registry.example.com/a_b/c__d/e-f/g.h:v1",
        "[::1]:5000/x",
    ],
)
def test_valid_references(reference: str):
    assert reference_problem(reference) is None


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ("debian@sha256:zz", "the digest must be sha256: and 64 lowercase hex digits"),
        (f"debian@{DIGEST.upper()}", "the digest must be sha256: and 64 lowercase hex digits"),
        ("debian@md5:" + "d" * 32, "the digest must be sha256: and 64 lowercase hex digits"),
        ("Debian:12", "repository names are lowercase"),
        ("ghcr.io/Acme/tools", "repository names are lowercase"),
        ("debian:-bad", "invalid tag '-bad' (letters, digits, '_', '.', '-'; at most 128)"),
        (
            "debian:" + "t" * 129,
            f"invalid tag '{'t' * 129}' (letters, digits, '_', '.', '-'; at most 128)",
        ),
        ("a//b", "invalid repository name 'a//b'"),
        ("-a", "invalid repository name '-a'"),
    ],
)
def test_invalid_references(reference: str, problem: str):
    assert reference_problem(reference) == problem


def test_registry():
    assert registry_problem("registry.example.com/acme") is None
    assert registry_problem("127.0.0.1:5000") is None
    assert registry_problem("registry.example.com/Acme") == (
        "repository paths are lowercase (it prefixes every image's name)"
    )
    assert registry_problem("registry.example.com/acme:1") == (
        "expected host[:port][/path], e.g. registry.example.com/team"
    )

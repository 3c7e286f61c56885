"""Image references checked by the distribution reference grammar (what a registry and Docker
accept): `[host[:port]/]path[:tag][@sha256:<64 hex>]`, the path lowercase."""

from __future__ import annotations

import re

DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
HOST = rf"(?:{DOMAIN_COMPONENT}(?:\.{DOMAIN_COMPONENT})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
PATH = rf"{PATH_COMPONENT}(?:/{PATH_COMPONENT})*"
TAG = r"[\w][\w.-]{0,127}"
NAME_RE = re.compile(rf"(?:{HOST}/)?{PATH}\Z")
REGISTRY_RE = re.compile(rf"{HOST}(?:/{PATH})?\Z")
TAG_RE = re.compile(rf"{TAG}\Z")
DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}\Z")


def split_reference(reference: str) -> tuple[str, str | None, str | None]:
    """(name, tag, digest) of a reference (tag and digest None when absent)."""
    name, at, digest = reference.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:  # a colon after the last slash starts the tag (before it: a port)
        name, tag = name[:colon], name[colon + 1 :]
    return name, tag, digest if at else None


def reference_problem(reference: str) -> str | None:
    """What makes `reference` no image reference a registry accepts, or None."""
    name, tag, digest = split_reference(reference)
    if digest is not None and not DIGEST_RE.match(digest):
        return "the digest must be sha256: and 64 lowercase hex digits"
    if tag is not None and not TAG_RE.match(tag):
        return f"invalid tag {tag!r} (letters, digits, '_', '.', '-'; at most 128)"
    if not NAME_RE.match(name):
        if NAME_RE.match(name.lower()):
            return "repository names are lowercase"
        return f"invalid repository name {name!r}"
    return None


def registry_problem(registry: str) -> str | None:
    """What makes `registry` no prefix of image names (`host[:port][/path]`), or None."""
    if REGISTRY_RE.match(registry):
        return None
    if REGISTRY_RE.match(registry.lower()):
        return "repository paths are lowercase (it prefixes every image's name)"
    return "expected host[:port][/path], e.g. registry.example.com/team"

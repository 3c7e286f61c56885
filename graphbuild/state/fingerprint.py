"""The identity of the code that writes records bound to it: graphbuild's own sources and
those of the installed rule packages."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import sys
from pathlib import Path

import graphbuild
from graphbuild.rules.api import ENTRY_POINT_GROUP

ENTRY_MODULE_RE = re.compile(r"^\s*[^=\s]+\s*=\s*([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


@functools.cache
def code_fingerprint() -> str:
    """graphbuild's version and the SHA-256 of its source files and of the installed rule
    packages': a record bound to the code is trusted only from the same code, wherever it was
    installed (a CI cache stays useful)."""
    package = Path(graphbuild.__file__).parent
    sources = hashlib.sha256(graphbuild.__version__.encode())
    for root in (package, *rule_packages()):
        files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
        for file in files:
            sources.update(f"{file.relative_to(root.parent).as_posix()}\0".encode())
            sources.update(hashlib.sha256(file.read_bytes()).digest())
    return sources.hexdigest()


def group_section(text: str) -> str:
    """The lines of the rules' group in an entry_points.txt ('' without one)."""
    head = f"[{ENTRY_POINT_GROUP}]"
    return text.split(head, 1)[1].split("\n[", 1)[0] if head in text else ""


def rule_packages() -> list[Path]:
    """The top-level modules or packages that installed distributions name in the rules'
    entry-point group, found by reading `entry_points.txt` files (importlib.metadata would
    cost a warm plan 50 ms to import)."""
    modules: set[str] = set()
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                text = Path(folder or ".", name, "entry_points.txt").read_text("utf-8", "replace")
            except OSError:
                continue
            if f"[{ENTRY_POINT_GROUP}]" in text:
                modules |= set(
                    ENTRY_MODULE_RE.findall(text.split(f"[{ENTRY_POINT_GROUP}]")[1].split("\n[")[0])
                )
    found = []
    for module in sorted(modules):  # find_spec of a top-level name imports nothing
        spec = importlib.util.find_spec(module) if module.isidentifier() else None
        if spec is not None and spec.origin and spec.origin not in ("built-in", "frozen"):
            origin = Path(spec.origin)
            found.append(origin.parent if origin.name == "__init__.py" else origin)
    return found

"""Labels: `//pkg:name@variant#stage`, the only way a target or stage is named and printed."""

from __future__ import annotations

import re

import attrs

from graphbuild.core.errors import LabelError

NAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]*\Z")
SEGMENT_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
VARIANT_RE = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.,-]*\Z")
NAME_RULE = "lowercase letters, digits, '_', '-' and '.', starting with a letter or digit"


@attrs.frozen(order=False, cache_hash=True)
class Label:
    """A target (`//pkg:name@variant`) or one of its stages (`…#stage`)."""

    package: str
    name: str
    variant: str | None = None
    stage: str | None = None
    # the text, made once: sorting a plan's labels compared 186,000 pairs of new strings
    _text: str = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        text = f"//{self.package}:{self.name}"
        if self.variant is not None:
            text += f"@{self.variant}"
        if self.stage is not None:
            text += f"#{self.stage}"
        object.__setattr__(self, "_text", text)

    def __str__(self) -> str:
        return self._text

    def __lt__(self, other: Label) -> bool:
        return self._text < other._text

    @property
    def target(self) -> Label:
        """The target this label belongs to (itself when it names a target)."""
        return Label(self.package, self.name, self.variant)

    def with_stage(self, stage: str | None) -> Label:
        """The label of stage `stage` of this target (the target itself for None)."""
        return Label(self.package, self.name, self.variant, stage)


def check_name(name: str, what: str = "name") -> None:
    """Raise LabelError unless `name` is a valid target or stage name."""
    if not NAME_RE.match(name):
        raise LabelError(f"invalid {what} {name!r}: use {NAME_RULE}")


def check_package(package: str) -> None:
    """Raise LabelError unless `package` is a valid workspace-relative folder path."""
    if package == "":
        return
    for segment in package.split("/"):
        if segment in (".", "..") or not SEGMENT_RE.match(segment):
            raise LabelError(f"invalid package path {package!r}")


def parse_label(text: str, current_package: str | None = None) -> Label:
    """Parse `//pkg:name@variant#stage`, `//pkg` or (with a current package) `:name…`."""
    if not isinstance(text, str) or text != text.strip() or not text:
        raise LabelError(f"invalid label {text!r}: expected //package:name or :name")
    rest = text
    stage = variant = None
    if "#" in rest:
        rest, stage = rest.split("#", 1)
        check_name(stage, "stage name")
    if "@" in rest:
        rest, variant = rest.split("@", 1)
        if not VARIANT_RE.match(variant):
            raise LabelError(f"invalid label {text!r}: bad matrix variant {variant!r}")
    if rest.startswith("//"):
        body = rest[2:]
        if ":" in body:
            package, name = body.split(":", 1)
        else:
            package, name = body, body.rsplit("/", 1)[-1]
            if not body:
                raise LabelError(f"invalid label {text!r}: '//' alone names no target")
    elif rest.startswith(":"):
        if current_package is None:
            raise LabelError(f"relative label {text!r} needs a package: write //package:name")
        package, name = current_package, rest[1:]
    else:
        raise LabelError(f"invalid label {text!r}: expected //package:name or :name")
    try:
        check_package(package)
        check_name(name)
    except LabelError as err:
        raise LabelError(f"invalid label {text!r}: {err.message}") from None
    return Label(package, name, variant, stage)


def join(package: str, path: str) -> str:
    """The workspace-relative form of a package-relative path (a trailing '/' is kept)."""
    slash = "/" if path.endswith("/") else ""
    path = path.strip("/")
    if path in ("", "."):
        return package or "."
    return (f"{package}/{path}" if package else path) + slash

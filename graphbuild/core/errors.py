"""The one exception hierarchy: every failure graphbuild reports, as structured data."""

from __future__ import annotations

from typing import Any, Self


class GraphbuildError(Exception):
    """A user-facing failure; renders itself as one line naming file, line, target and key."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        label: str | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.label = label
        self.key = key

    @classmethod
    def at(cls, place: Any, key: str | None, message: str) -> Self:
        """An error about `place` (a Stage or Target: anything with file, line and label), at
        the line of `key` where the place knows it (a Target does)."""
        line_of = getattr(place, "line_of", None)
        line = line_of(key) if line_of is not None else place.line
        return cls(message, file=place.file, line=line, label=str(place.label), key=key)

    def where(self) -> str:
        """The location prefix: `file:line:column`, as far as it is known."""
        if self.file is None:
            return ""
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        head = [p for p in (self.where(), self.label, self.key) if p]
        text = " ".join(self.message.split())  # never more than one line
        return ": ".join([*head, text])


class LoadError(GraphbuildError):
    """A BUILD.toml that cannot be read or does not follow the schema."""


class LabelError(GraphbuildError):
    """A label with invalid syntax."""


class GraphError(GraphbuildError):
    """An unknown label, a duplicate target or a dependency cycle."""


class InputError(GraphbuildError):
    """A declared input or a COPY source that is missing, escapes the workspace or is undeclared."""


class UnmatchedInput(InputError):
    """An input pattern or COPY source that matches no file, for no reason found in the tree
    (the files may be in another folder than the one the stage's package looks in)."""


class EmitError(GraphbuildError):
    """Output that cannot be produced from valid-looking input (a feature above the floor, …)."""


class BaselineError(GraphbuildError):
    """The baseline to plan against (the lock, a git ref) cannot be read."""


class RuleError(GraphbuildError):
    """An installed rule that cannot be used (a third-party rule that fails to load)."""


class BuildError(GraphbuildError):
    """A build that cannot be started (no docker, a platform list classic builds cannot do)."""


class RegistryError(GraphbuildError):
    """The registry could not be asked (unreachable, refused, an unexpected answer)."""


class WriteError(GraphbuildError):
    """An output could not be written (a full disk, a read-only folder); none was."""


class StateError(GraphbuildError):
    """graphbuild's own folder (.graphbuild) is not one it may write in."""


class LoadErrors(LoadError):
    """Several problems of one input, found in one run: one line each."""

    def __init__(self, errors: list[LoadError]) -> None:
        first = errors[0]
        super().__init__(
            first.message, file=first.file, line=first.line, label=first.label, key=first.key
        )
        self.errors = tuple(errors)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

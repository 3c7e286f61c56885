"""A stage's input digests kept as one string until read: a memo or record store holding
200,000 inputs then loads as a few hundred strings, not 600,000 objects."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

InputDigest = tuple[str, bool, bool]  # sha256, executable, symlink


class PackedInputs(Mapping[str, InputDigest]):
    """path -> (sha256, executable, symlink), read-only, unpacked on first access. Paths
    never hold NUL, so NUL separates the fields."""

    __slots__ = ("_packed", "_unpacked")

    def __init__(self, items: Mapping[str, InputDigest] | None = None, packed: str = "") -> None:
        if items is not None:
            packed = "\0".join(
                f"{path}\0{sha}{int(executable)}{int(symlink)}"
                for path, (sha, executable, symlink) in items.items()
            )
        self._packed = packed
        self._unpacked: dict[str, InputDigest] | None = None

    @property
    def packed(self) -> str:
        """The one string this mapping is kept as."""
        return self._packed

    def _items(self) -> dict[str, InputDigest]:
        if self._unpacked is None:
            fields = self._packed.split("\0") if self._packed else []
            self._unpacked = {
                fields[i]: (value[:-2], value[-2] == "1", value[-1] == "1")
                for i in range(0, len(fields), 2)
                for value in (fields[i + 1],)
            }
        return self._unpacked

    def __getitem__(self, path: str) -> InputDigest:
        return self._items()[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedInputs):
            return self._packed == other._packed or dict(self) == dict(other)
        return isinstance(other, Mapping) and dict(self) == dict(other)

    def __hash__(self) -> int:
        return hash(self._packed)

    def __repr__(self) -> str:
        return f"PackedInputs({self._items()!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return (PackedInputs, (None, self._packed))


def pack(inputs: Mapping[str, InputDigest]) -> str:
    """The packed string of any inputs mapping (without unpacking a packed one)."""
    return inputs.packed if isinstance(inputs, PackedInputs) else PackedInputs(inputs).packed

"""Field encodings shared by pen messages and host commands.

All integers are little-endian. A section/owner pair ("SO") packs into four
bytes: the owner as 24 bits, then the section byte.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

U8 = struct.Struct("<B")
U16 = struct.Struct("<H")
U32 = struct.Struct("<I")
U64 = struct.Struct("<Q")

# Note number meaning "every note of this section and owner" in live enabling.
ALL_NOTES = 0xFFFFFFFF
# Section/owner pair meaning "everything" in the note-list request.
ALL_SECTIONS = 0xFF
ALL_OWNERS = 0xFFFFFF


def pack_so(section: int, owner: int) -> bytes:
    """The four-byte section/owner field."""
    if not 0 <= section <= 0xFF or not 0 <= owner <= 0xFFFFFF:
        raise ValueError(f"section {section} / owner {owner} out of range")
    return U32.pack(section << 24 | owner)


def unpack_so(data: bytes, offset: int = 0) -> tuple[int, int]:
    """(section, owner) read from a four-byte field at ``offset``."""
    (value,) = U32.unpack_from(data, offset)
    return value >> 24, value & 0xFFFFFF


def pack_text(text: str, size: int) -> bytes:
    """A fixed-width, zero-padded text field (UTF-8, cut to ``size``)."""
    raw = text.encode("utf-8")[:size]
    return raw.ljust(size, b"\x00")


def unpack_text(data: bytes, offset: int, size: int) -> str:
    """Text of a fixed-width field, up to its first zero byte."""
    raw = bytes(data[offset : offset + size])
    if len(raw) < size:
        raise ValueError(f"text field needs {size} bytes, got {len(raw)}")
    return raw.split(b"\x00", 1)[0].decode("utf-8", errors="replace")


def need(data: bytes, size: int, what: str) -> None:
    """Raise ValueError when ``data`` is shorter than ``size`` bytes."""
    if len(data) < size:
        raise ValueError(f"{what} needs {size} bytes, got {len(data)}")


def split_coord(value: float) -> tuple[int, int]:
    """(integer, hundredths) of a non-negative Ncode coordinate."""
    whole, frac = divmod(round(value * 100), 100)
    if not 0 <= whole <= 0xFFFF:
        raise ValueError(f"coordinate {value} outside 0..65535.99")
    return whole, frac


def join_coord(whole: int, hundredths: int) -> float:
    """Coordinate in Ncode units from its integer and hundredths parts."""
    return round(whole + hundredths / 100, 2)


def protocol_number(version: str) -> tuple[int, ...]:
    """A protocol string such as ``"2.18"`` as a comparable tuple (2, 18)."""
    parts = []
    for piece in version.strip().split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


@dataclass(frozen=True, slots=True, order=True)
class NoteRef:
    """A note (book) of a section and owner, as the pen lists it."""

    section: int
    owner: int
    note: int

    def pack(self) -> bytes:
        """SO then note, eight bytes."""
        return pack_so(self.section, self.owner) + U32.pack(self.note)

    @classmethod
    def unpack(cls, data: bytes, offset: int = 0) -> NoteRef:
        """The note reference stored at ``offset``."""
        section, owner = unpack_so(data, offset)
        (note,) = U32.unpack_from(data, offset + 4)
        return cls(section, owner, note)

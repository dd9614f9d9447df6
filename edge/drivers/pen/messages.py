"""What a pen sends: live events and responses, each with its DATA layout.

Every class knows its opcode, packs itself into frame DATA and unpacks from
it. Events that come in an old (protocol < 2.12) and a new form share one
class; ``count`` is None for the old form, which has no event counter.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar

from edge.drivers.pen.frames import PenCmd
from edge.drivers.pen.wire import (
    U16,
    U32,
    join_coord,
    need,
    pack_so,
    split_coord,
    unpack_so,
)

_DOWN = struct.Struct("<BQBI")
_UP = struct.Struct("<BQHHHHH")
_PAPER = struct.Struct("<II")
_DOT = struct.Struct("<BHHHBBBBH")
_SHORT_DOT = struct.Struct("<BHHBB")
_DOT_ERROR = struct.Struct("<BHBBBHBBB")
_PDS = struct.Struct("<IIIIIIHH")
_CHUNK = struct.Struct("<HBHHB")

# Compact dots (0x66) carry no force; the vendor SDK substitutes this value.
COMPACT_DOT_FORCE = 852


@dataclass(frozen=True, slots=True)
class LowBattery:
    """The battery fell below the pen's warning level."""

    TYPE: ClassVar[str] = "low_battery"
    battery: int

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.LOW_BATTERY

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        return bytes((self.battery,))

    @classmethod
    def unpack(cls, data: bytes) -> LowBattery:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, 1, "low battery")
        return cls(data[0])


@dataclass(frozen=True, slots=True)
class PowerOff:
    """The pen is switching itself off."""

    TYPE: ClassVar[str] = "power_off"
    reason: int

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.POWER_OFF

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        return bytes((self.reason,))

    @classmethod
    def unpack(cls, data: bytes) -> PowerOff:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, 1, "power off")
        return cls(data[0])


@dataclass(frozen=True, slots=True)
class PenDown:
    """The tip touched the paper; ``time`` is the pen clock in ms since 1970."""

    TYPE: ClassVar[str] = "pen_down"
    count: int | None
    time: int
    tip: int = 0
    color: int = 0

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.PEN_DOWN if self.count is not None else PenCmd.PEN_UPDOWN_V1

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        lead = 0 if self.count is None else self.count
        return _DOWN.pack(lead, self.time, self.tip, self.color)

    @classmethod
    def unpack(cls, data: bytes) -> PenDown:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, _DOWN.size, "pen down")
        count, time, tip, color = _DOWN.unpack_from(data)
        return cls(count, time, tip, color)


@dataclass(frozen=True, slots=True)
class PenUp:
    """The tip left the paper, with the pen's own dot and image statistics."""

    TYPE: ClassVar[str] = "pen_up"
    count: int | None
    time: int
    dots: int = 0
    images: int = 0
    processed: int = 0
    succeeded: int = 0
    sent: int = 0

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.PEN_UP if self.count is not None else PenCmd.PEN_UPDOWN_V1

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        if self.count is None:
            return _DOWN.pack(1, self.time, 0, 0)
        stats = (self.dots, self.images, self.processed, self.succeeded, self.sent)
        return _UP.pack(self.count, self.time, *stats)

    @classmethod
    def unpack(cls, data: bytes) -> PenUp:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, _UP.size, "pen up")
        return cls(*_UP.unpack_from(data))


def unpack_updown_v1(data: bytes) -> PenDown | PenUp:
    """The old combined up/down event (protocol < 2.12)."""
    need(data, _DOWN.size, "pen up/down")
    up, time, tip, color = _DOWN.unpack_from(data)
    return PenUp(None, time) if up else PenDown(None, time, tip, color)


@dataclass(frozen=True, slots=True)
class Paper:
    """The pen is now on this page: section, owner, book (note) and page."""

    TYPE: ClassVar[str] = "paper"
    count: int | None
    section: int
    owner: int
    book: int
    page: int

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.PAPER if self.count is not None else PenCmd.PAPER_V1

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        body = pack_so(self.section, self.owner) + _PAPER.pack(self.book, self.page)
        return body if self.count is None else bytes((self.count,)) + body

    @classmethod
    def unpack(cls, data: bytes) -> Paper:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, 13, "paper")
        return cls._at(data[0], data, 1)

    @classmethod
    def unpack_v1(cls, data: bytes) -> Paper:
        """The old form (protocol < 2.12), which has no event count."""
        need(data, 12, "paper")
        return cls._at(None, data, 0)

    @classmethod
    def _at(cls, count: int | None, data: bytes, off: int) -> Paper:
        section, owner = unpack_so(data, off)
        book, page = _PAPER.unpack_from(data, off + 4)
        return cls(count, section, owner, book, page)


@dataclass(frozen=True, slots=True)
class DotEvent:
    """One live dot: ``dt`` ms after the previous one, x and y in Ncode units."""

    TYPE: ClassVar[str] = "dot"
    count: int | None
    dt: int
    force: int
    x: float
    y: float
    tilt_x: int = 0
    tilt_y: int = 0
    twist: int = 0

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.DOT if self.count is not None else PenCmd.DOT_V1

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        (x, fx), (y, fy) = split_coord(self.x), split_coord(self.y)
        tail = (self.tilt_x, self.tilt_y, self.twist)
        body = _DOT.pack(self.dt, self.force, x, y, fx, fy, *tail)
        return body if self.count is None else bytes((self.count,)) + body

    @classmethod
    def unpack(cls, data: bytes) -> DotEvent:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, 1 + _DOT.size, "dot")
        return cls._at(data[0], data, 1)

    @classmethod
    def unpack_v1(cls, data: bytes) -> DotEvent:
        """The old form (protocol < 2.12), which has no event count."""
        need(data, _DOT.size, "dot")
        return cls._at(None, data, 0)

    @classmethod
    def unpack_compact(cls, data: bytes) -> DotEvent:
        """A compact dot (0x66): no force on the wire, so the SDK default."""
        need(data, _SHORT_DOT.size, "compact dot")
        dt, x, y, fx, fy = _SHORT_DOT.unpack_from(data)
        return cls(None, dt, COMPACT_DOT_FORCE, join_coord(x, fx), join_coord(y, fy))

    @classmethod
    def _at(cls, count: int | None, data: bytes, off: int) -> DotEvent:
        dt, force, x, y, fx, fy, tx, ty, tw = _DOT.unpack_from(data, off)
        return cls(count, dt, force, join_coord(x, fx), join_coord(y, fy), tx, ty, tw)


@dataclass(frozen=True, slots=True)
class HoverDot:
    """A dot seen while the tip hovers above the paper; not ink."""

    TYPE: ClassVar[str] = "hover_dot"
    dt: int
    x: float
    y: float

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.HOVER_DOT

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        (x, fx), (y, fy) = split_coord(self.x), split_coord(self.y)
        return _SHORT_DOT.pack(self.dt, x, y, fx, fy)

    @classmethod
    def unpack(cls, data: bytes) -> HoverDot:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, _SHORT_DOT.size, "hover dot")
        dt, x, y, fx, fy = _SHORT_DOT.unpack_from(data)
        return cls(dt, join_coord(x, fx), join_coord(y, fy))


@dataclass(frozen=True, slots=True)
class DotError:
    """The pen's camera could not read the dot pattern for one sample."""

    TYPE: ClassVar[str] = "dot_error"
    count: int | None
    dt: int
    force: int
    brightness: int
    exposure: int
    ndac_time: int
    labels: int
    ndac_error: int
    error_class: int
    errors: int

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.DOT_ERROR if self.count is not None else PenCmd.DOT_ERROR_V1

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        fields = (self.dt, self.force, self.brightness, self.exposure, self.ndac_time)
        tail = (self.labels, self.ndac_error, self.error_class, self.errors)
        body = _DOT_ERROR.pack(*fields, *tail)
        return body if self.count is None else bytes((self.count,)) + body

    @classmethod
    def unpack(cls, data: bytes) -> DotError:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, 1 + _DOT_ERROR.size, "dot error")
        return cls(data[0], *_DOT_ERROR.unpack_from(data, 1))

    @classmethod
    def unpack_v1(cls, data: bytes) -> DotError:
        """The old form (protocol < 2.12), which has no event count."""
        need(data, _DOT_ERROR.size, "dot error")
        return cls(None, *_DOT_ERROR.unpack_from(data))


@dataclass(frozen=True, slots=True)
class Pds:
    """A Touch-and-Play position report (page and position in one event)."""

    TYPE: ClassVar[str] = "pds"
    owner: int
    section: int
    book: int
    page: int
    x: int
    y: int
    fx: int
    fy: int

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.PDS

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        values = (self.owner, self.section, self.book, self.page)
        return _PDS.pack(*values, self.x, self.y, self.fx, self.fy)

    @classmethod
    def unpack(cls, data: bytes) -> Pds:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, _PDS.size, "PDS")
        return cls(*_PDS.unpack_from(data))


@dataclass(frozen=True, slots=True)
class OfflineChunk:
    """One piece of stored strokes; the host acknowledges it by packet id."""

    TYPE: ClassVar[str] = "offline_chunk"
    packet_id: int
    compressed: bool
    size_before: int
    size_after: int
    position: int
    section: int
    owner: int
    note: int
    strokes: int
    payload: bytes

    FIRST: ClassVar[int] = 0
    MIDDLE: ClassVar[int] = 1
    LAST: ClassVar[int] = 2

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.OFFLINE_CHUNK

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        sizes = (self.size_before, self.size_after, self.position)
        head = _CHUNK.pack(self.packet_id, int(self.compressed), *sizes)
        so = pack_so(self.section, self.owner)
        return head + so + U32.pack(self.note) + U16.pack(self.strokes) + self.payload

    @classmethod
    def unpack(cls, data: bytes) -> OfflineChunk:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, 18, "offline chunk")
        packet_id, compressed, before, after, position = _CHUNK.unpack_from(data)
        section, owner = unpack_so(data, 8)
        (note,) = U32.unpack_from(data, 12)
        (strokes,) = U16.unpack_from(data, 16)
        head = (packet_id, bool(compressed), before, after, position)
        return cls(*head, section, owner, note, strokes, bytes(data[18:]))

"""Stored (offline) strokes: the chunk payload layout, checksums and zlib.

A payload is a run of strokes, each a 27-byte header followed by 16-byte dot
records; the last byte of every dot record is the low byte of the sum of its
other 15 bytes.
"""

from __future__ import annotations

import logging
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from edge.drivers.pen.messages import OfflineChunk
from edge.drivers.pen.wire import join_coord, split_coord
from edge.models import Dot, PageAddress, Stroke

log = logging.getLogger(__name__)

_HEAD = struct.Struct("<IQQBIH")
_DOT = struct.Struct("<BHHHBBBBHH")
DOT_RECORD = _DOT.size + 1
# Chunk sizes travel as u16; stay well below so one chunk fits any frame.
MAX_CHUNK_PAYLOAD = 8192


@dataclass(frozen=True, slots=True)
class OfflineDot:
    """One stored dot, ``dt`` ms after the previous one."""

    dt: int
    force: int
    x: float
    y: float
    tilt_x: int = 0
    tilt_y: int = 0
    twist: int = 0


@dataclass(frozen=True, slots=True)
class OfflineStroke:
    """One stored stroke with its page number and pen-clock times."""

    page: int
    down_ms: int
    up_ms: int
    dots: tuple[OfflineDot, ...]
    tip: int = 0
    color: int = 0


@dataclass(frozen=True, slots=True)
class ParsedPayload:
    """Strokes read from a payload and how many were rejected."""

    strokes: tuple[OfflineStroke, ...]
    bad_checksum: int = 0
    truncated: bool = False


def checksum(record: bytes) -> int:
    """The additive 8-bit checksum of a dot record's first 15 bytes."""
    return sum(record[: _DOT.size]) & 0xFF


def pack_dot(dot: OfflineDot) -> bytes:
    """A 16-byte dot record with its checksum."""
    (x, fx), (y, fy) = split_coord(dot.x), split_coord(dot.y)
    tail = (dot.tilt_x, dot.tilt_y, dot.twist, 0)
    body = _DOT.pack(dot.dt, dot.force, x, y, fx, fy, *tail)
    return body + bytes((checksum(body),))


def pack_strokes(strokes: Iterable[OfflineStroke]) -> bytes:
    """The uncompressed payload holding ``strokes``."""
    parts = []
    for s in strokes:
        head = (s.page, s.down_ms, s.up_ms, s.tip, s.color, len(s.dots))
        parts.append(_HEAD.pack(*head) + b"".join(pack_dot(d) for d in s.dots))
    return b"".join(parts)


def parse_payload(payload: bytes) -> ParsedPayload:
    """Strokes of an uncompressed payload; bad strokes are counted, not raised."""
    strokes: list[OfflineStroke] = []
    bad, pos = 0, 0
    while pos + _HEAD.size <= len(payload):
        page, down, up, tip, color, n = _HEAD.unpack_from(payload, pos)
        pos += _HEAD.size
        end = pos + n * DOT_RECORD
        if end > len(payload):
            return ParsedPayload(tuple(strokes), bad, truncated=True)
        dots = _dots(payload, pos, n)
        pos = end
        if dots is None:
            bad += 1
            continue
        strokes.append(OfflineStroke(page, down, up, dots, tip, color))
    return ParsedPayload(tuple(strokes), bad, truncated=pos != len(payload))


def _dots(payload: bytes, pos: int, n: int) -> tuple[OfflineDot, ...] | None:
    dots = []
    for off in range(pos, pos + n * DOT_RECORD, DOT_RECORD):
        dt, force, x, y, fx, fy, tx, ty, tw, _ = _DOT.unpack_from(payload, off)
        if sum(payload[off : off + _DOT.size]) & 0xFF != payload[off + _DOT.size]:
            return None
        dots.append(
            OfflineDot(dt, force, join_coord(x, fx), join_coord(y, fy), tx, ty, tw)
        )
    return tuple(dots)


def chunk_payload(chunk: OfflineChunk) -> bytes:
    """The uncompressed payload of a chunk; ValueError if sizes or zlib fail."""
    if chunk.compressed:
        if len(chunk.payload) != chunk.size_after:
            raise ValueError(
                f"chunk has {len(chunk.payload)} bytes, says {chunk.size_after}"
            )
        try:
            raw = zlib.decompress(chunk.payload)
        except zlib.error as exc:
            raise ValueError(f"chunk does not inflate: {exc}") from exc
    else:
        raw = chunk.payload
    if len(raw) != chunk.size_before:
        raise ValueError(
            f"chunk inflates to {len(raw)} bytes, says {chunk.size_before}"
        )
    return raw


def make_chunks(
    section: int,
    owner: int,
    note: int,
    strokes: Sequence[OfflineStroke],
    *,
    compress: bool = True,
    max_payload: int = MAX_CHUNK_PAYLOAD,
) -> list[OfflineChunk]:
    """The chunks a pen sends for ``strokes``; whole strokes per chunk."""
    groups: list[list[OfflineStroke]] = [[]]
    size = 0
    for s in strokes:
        need = _HEAD.size + len(s.dots) * DOT_RECORD
        if groups[-1] and size + need > max_payload:
            groups.append([])
            size = 0
        groups[-1].append(s)
        size += need
    chunks = []
    for i, group in enumerate(groups):
        raw = pack_strokes(group)
        body = zlib.compress(raw) if compress else raw
        position = 2 if i == len(groups) - 1 else (0 if i == 0 else 1)
        sizes = (len(raw), len(body), position)
        chunks.append(
            OfflineChunk(i, compress, *sizes, section, owner, note, len(group), body)
        )
    return chunks


def to_stroke(pen: str, page: PageAddress, stored: OfflineStroke) -> Stroke:
    """A stroke with absolute times: down + running dt, the last dot at up time."""
    times = list(accumulate((d.dt for d in stored.dots), initial=stored.down_ms))
    # The pen stamps the last dot with the up time, unless that runs backwards.
    if len(times) > 1 and stored.up_ms >= times[-2]:
        times[-1] = stored.up_ms
    dots = (
        Dot(d.x, d.y, d.force, t) for d, t in zip(stored.dots, times[1:], strict=True)
    )
    return Stroke(pen, page, tuple(dots))


def from_stroke(stroke: Stroke, tip: int = 0, color: int = 0) -> OfflineStroke:
    """How a pen would store ``stroke``; ValueError if a dot gap exceeds 255 ms."""
    dots, prev = [], stroke.start_ms
    for d in stroke.dots:
        dt = d.t_ms - prev
        if not 0 <= dt <= 0xFF:
            raise ValueError(f"dot gap of {dt} ms does not fit the one-byte dt")
        dots.append(OfflineDot(dt, d.force, d.x, d.y))
        prev = d.t_ms
    page = stroke.page.page
    return OfflineStroke(page, stroke.start_ms, stroke.end_ms, tuple(dots), tip, color)

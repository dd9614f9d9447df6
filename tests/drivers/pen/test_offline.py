"""Stored strokes: payload layout, dot checksums, zlib chunks, times."""

from __future__ import annotations

import zlib
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.drivers.pen.offline import (
    OfflineDot,
    OfflineStroke,
    chunk_payload,
    make_chunks,
    pack_dot,
    pack_strokes,
    parse_payload,
    to_stroke,
)
from edge.models import Dot, PageAddress

from .strategies import coord, u8, u16, u32, u64

offline_dot = st.builds(OfflineDot, u8, u16, coord, coord, u8, u8, u16)
offline_stroke = st.builds(
    OfflineStroke, u32, u64, u64, st.lists(offline_dot, max_size=20).map(tuple), u8, u32
)


def test_dot_record_field_by_field() -> None:
    record = pack_dot(OfflineDot(dt=13, force=300, x=192.05, y=56.78))
    assert record == bytes.fromhex(
        "0d"  # dt 13 ms
        "2c01"  # force 300
        "c000"  # x integer 192
        "3800"  # y integer 56
        "05"  # fx 0.05
        "4e"  # fy 0.78
        "00"  # tilt x
        "00"  # tilt y
        "0000"  # twist
        "0000"  # reserved
        "85"  # checksum: 13+44+1+192+56+5+78 = 389 = 0x185, low byte
    )


@given(st.lists(offline_stroke, max_size=8))
def test_payload_round_trips(strokes: list[OfflineStroke]) -> None:
    parsed = parse_payload(pack_strokes(strokes))
    assert parsed.strokes == tuple(strokes)
    assert parsed.bad_checksum == 0
    assert not parsed.truncated


def test_a_bad_dot_checksum_drops_only_its_stroke() -> None:
    dots = (OfflineDot(0, 1, 1.0, 1.0), OfflineDot(5, 2, 2.0, 2.0))
    strokes = [OfflineStroke(1, 100_000, 100_005, dots) for _ in range(3)]
    payload = bytearray(pack_strokes(strokes))
    second_stroke_first_dot = 27 + 2 * 16 + 27
    payload[second_stroke_first_dot + 15] ^= 0xFF
    parsed = parse_payload(bytes(payload))
    assert parsed.strokes == (strokes[0], strokes[2])
    assert parsed.bad_checksum == 1


def test_truncated_payload_keeps_the_whole_strokes_before_the_cut() -> None:
    strokes = [OfflineStroke(1, 100_000, 100_005, (OfflineDot(0, 1, 1.0, 1.0),))] * 2
    payload = pack_strokes(strokes)
    parsed = parse_payload(payload[:-3])
    assert parsed.strokes == (strokes[0],)
    assert parsed.truncated


@pytest.mark.parametrize("compress", [True, False])
def test_chunks_split_whole_strokes_and_reassemble(compress: bool) -> None:
    dot = OfflineDot(3, 200, 5.5, 6.25)
    strokes = [
        OfflineStroke(p, 100_000 + p, 100_100 + p, (dot,) * 30) for p in range(9)
    ]
    chunks = make_chunks(3, 27, 603, strokes, compress=compress, max_payload=1100)
    assert len(chunks) > 1
    assert [c.position for c in chunks] == [0] + [1] * (len(chunks) - 2) + [2]
    assert sum(c.strokes for c in chunks) == len(strokes)
    raw = b"".join(chunk_payload(c) for c in chunks)
    assert parse_payload(raw).strokes == tuple(strokes)


def test_chunk_payload_rejects_wrong_sizes_and_bad_zlib() -> None:
    (chunk,) = make_chunks(3, 27, 603, [OfflineStroke(1, 1, 2, ())])
    with pytest.raises(ValueError, match="bytes"):
        chunk_payload(replace(chunk, payload=b"xx"))
    with pytest.raises(ValueError, match="inflate"):
        chunk_payload(replace(chunk, payload=b"\x78\x9c\x00", size_after=3))
    plain = replace(chunk, compressed=False, payload=b"\x00" * 26)
    with pytest.raises(ValueError, match="inflates to 26"):
        chunk_payload(plain)
    assert zlib.decompress(chunk.payload) == chunk_payload(chunk)


def test_stored_stroke_times_are_down_plus_running_dt_and_up_last() -> None:
    dots = (OfflineDot(4, 10, 1.0, 1.0), OfflineDot(10, 11, 2.0, 2.0),
            OfflineDot(10, 12, 3.0, 3.0))  # fmt: skip
    stroke = to_stroke("pen", PageAddress(3, 27, 603, 1), OfflineStroke(
        1, 1_000_000, 1_000_030, dots))  # fmt: skip
    assert stroke.dots == (
        Dot(1.0, 1.0, 10, 1_000_004),
        Dot(2.0, 2.0, 11, 1_000_014),
        Dot(3.0, 3.0, 12, 1_000_030),  # the up time, not 1_000_024
    )

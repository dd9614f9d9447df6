"""COBS, CRC-16 and the deframer: split, merged, noisy, oversized input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.drivers.clicker.errors import DropReason, FrameError
from edge.drivers.clicker.framing import (
    MAX_ENCODED,
    MAX_PAYLOAD,
    Deframer,
    Drop,
    cobs_decode,
    cobs_encode,
    crc16,
    decode_frame,
    encode_frame,
)


def test_crc_check_value() -> None:
    assert crc16(b"123456789") == 0x29B1
    assert crc16(b"") == 0xFFFF


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("", "01"),
        ("00", "01 01"),
        ("00 00", "01 01 01"),
        ("11 22 00 33", "03 11 22 02 33"),
        ("11 22 33 44", "05 11 22 33 44"),
        ("11 00 00 00", "02 11 01 01 01"),
        (bytes(range(1, 255)).hex(), "ff" + bytes(range(1, 255)).hex()),
        (bytes(range(1, 256)).hex(), "ff" + bytes(range(1, 255)).hex() + "02 ff"),
        ("00" + bytes(range(1, 255)).hex(), "01 ff" + bytes(range(1, 255)).hex()),
    ],
)
def test_cobs_known_vectors(raw: str, encoded: str) -> None:
    assert cobs_encode(bytes.fromhex(raw)) == bytes.fromhex(encoded)
    assert cobs_decode(bytes.fromhex(encoded)) == bytes.fromhex(raw)


@given(st.binary(max_size=700))
def test_cobs_round_trip_has_no_zero_and_bounded_overhead(data: bytes) -> None:
    encoded = cobs_encode(data)
    assert 0 not in encoded
    assert cobs_decode(encoded) == data
    assert len(encoded) <= len(data) + 1 + len(data) // 254


@pytest.mark.parametrize("bad", ["05 11 22", "02", "00 11"])
def test_cobs_rejects_blocks_past_the_end(bad: str) -> None:
    with pytest.raises(FrameError) as info:
        cobs_decode(bytes.fromhex(bad))
    assert info.value.reason is DropReason.COBS


@given(st.binary(min_size=2, max_size=MAX_PAYLOAD))
def test_frame_round_trip(payload: bytes) -> None:
    frame = encode_frame(payload)
    assert frame[0] == 0 and frame[-1] == 0 and 0 not in frame[1:-1]
    assert len(frame) <= MAX_ENCODED + 2
    assert decode_frame(frame[1:-1]) == payload


@pytest.mark.parametrize("size", [0, 1, MAX_PAYLOAD + 1])
def test_payload_size_is_bounded(size: int) -> None:
    with pytest.raises(FrameError):
        encode_frame(bytes(size))


def test_largest_frame_fits_the_receiver_buffer() -> None:
    frame = encode_frame(b"\x01" * MAX_PAYLOAD)
    assert len(frame) == 257
    assert Deframer().feed(frame) == [b"\x01" * MAX_PAYLOAD]


def test_crc_mismatch_and_short_frames_are_dropped() -> None:
    good = encode_frame(b"\x02\x07abc")
    damaged = bytearray(good)
    damaged[4] ^= 0x01
    short = b"\x00" + cobs_encode(b"\x01\x02") + b"\x00"
    items = Deframer().feed(bytes(damaged) + short + good)
    assert [i.reason for i in items if isinstance(i, Drop)] == [
        DropReason.CRC,
        DropReason.SHORT,
    ]
    assert items[-1] == b"\x02\x07abc"


payloads = st.lists(st.binary(min_size=2, max_size=60), min_size=1, max_size=8)


@given(payloads, st.data())
def test_split_anywhere_gives_the_same_frames(
    frames: list[bytes], data: st.DataObject
) -> None:
    stream = b"".join(encode_frame(p) for p in frames)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    deframer = Deframer()
    out: list[bytes | Drop] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        out += deframer.feed(stream[start:end])
    assert out == frames
    assert deframer.pending == 0


def test_byte_by_byte_and_merged_delivery() -> None:
    frames = [bytes([3, n]) + b"x" * n for n in range(2, 40)]
    stream = b"".join(encode_frame(p) for p in frames)
    deframer = Deframer()
    one_by_one = [
        item for i in range(len(stream)) for item in deframer.feed(stream[i : i + 1])
    ]
    assert one_by_one == frames
    assert Deframer().feed(stream) == frames


@given(st.binary(max_size=2000), payloads)
def test_garbage_never_raises_and_the_next_frame_survives(
    garbage: bytes, frames: list[bytes]
) -> None:
    deframer = Deframer()
    deframer.feed(garbage)
    out = deframer.feed(b"".join(encode_frame(p) for p in frames))
    good = [item for item in out if isinstance(item, bytes)]
    # The leading delimiter of the first frame ends the garbage, whatever it was;
    # garbage may at worst look like a frame itself (2^-16 per CRC).
    assert good[-len(frames) :] == frames


def test_oversized_run_is_skipped_up_to_the_next_delimiter() -> None:
    deframer = Deframer()
    out = deframer.feed(b"\x07" * 300)
    assert out == []
    assert deframer.pending == 300
    out = deframer.feed(b"\x07" * 100 + encode_frame(b"\x02\x00ok"))
    assert isinstance(out[0], Drop)
    assert out[0].reason is DropReason.OVERSIZE
    assert out[0].size == 400
    assert len(out[0].data) == MAX_ENCODED
    assert out[1] == b"\x02\x00ok"


def test_flush_reports_a_truncated_frame() -> None:
    deframer = Deframer()
    frame = encode_frame(b"\x02\x00hello")
    assert deframer.feed(frame[:6]) == []
    (drop,) = deframer.flush()
    assert isinstance(drop, Drop)
    assert drop.reason is DropReason.TRUNCATED
    assert drop.size == 5
    assert deframer.flush() == []


def test_idle_delimiters_are_not_errors() -> None:
    assert Deframer().feed(b"\x00" * 50) == []

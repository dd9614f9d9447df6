"""Framing: escaping, LEN checks and the resynchronising deframer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.drivers.pen.frames import (
    Deframer,
    Drop,
    DropReason,
    Frame,
    encode_frame,
    escape,
    parse_body,
    pen_frame_has_result,
    split_notifications,
    unescape,
)


def test_escape_vector_from_the_specification() -> None:
    # LEN 0x00C0 must travel as 7D E0 00.
    assert escape(b"\xc0\x00") == b"\x7d\xe0\x00"
    assert escape(b"\xc1\x7d\x01") == b"\x7d\xe1\x7d\x5d\x01"


def test_smallest_frame_is_the_settings_request() -> None:
    assert encode_frame(0x04) == bytes.fromhex("c0 04 00 00 c1")


def test_response_frame_carries_result_before_len() -> None:
    frame = encode_frame(0x91, b"", result=0)
    assert frame == bytes.fromhex(
        "c0"  # STX
        "91"  # CMD: live enable response
        "00"  # RESULT: success
        "0000"  # LEN 0
        "c1"  # ETX
    )


@pytest.mark.parametrize(
    ("cmd", "has"),
    [(0x24, False), (0x32, False), (0x60, False), (0x6F, False), (0x73, False),
     (0x78, False), (0x7F, False), (0x70, True), (0x81, True), (0xA5, True)],
)  # fmt: skip
def test_result_byte_rule_is_the_union_of_both_sdks(cmd: int, has: bool) -> None:
    assert pen_frame_has_result(cmd) is has


def test_unescape_rejects_a_trailing_lone_escape() -> None:
    with pytest.raises(ValueError, match="escape"):
        unescape(b"\x01\x7d")
    assert unescape(b"\x01\x7d\x5d") == b"\x01\x7d"


@given(st.binary(max_size=300))
def test_escape_round_trips_and_hides_framing_bytes(body: bytes) -> None:
    stuffed = escape(body)
    assert 0xC0 not in stuffed
    assert 0xC1 not in stuffed
    assert unescape(stuffed) == body


def test_deframer_reports_garbage_truncation_and_bad_escape() -> None:
    deframer = Deframer()
    out = deframer.feed(
        b"\x11\x22"  # garbage before any STX
        b"\xc0\x6c\x01"  # a frame cut short by the next STX
        b"\xc0\x04\x00\x00\xc1"  # a whole settings request
        b"\xc0\x04\x7d\xc1"  # ends inside an escape
    )
    assert out == [
        Drop(DropReason.GARBAGE, b"\x11\x22"),
        Drop(DropReason.TRUNCATED, b"\xc0\x6c\x01"),
        b"\x04\x00\x00",
        Drop(DropReason.BAD_ESCAPE, b"\xc0\x04\x7d\xc1"),
    ]


def test_deframer_drops_oversized_frames_then_resynchronises() -> None:
    deframer = Deframer(max_frame=8)
    out = deframer.feed(b"\xc0" + b"\x01" * 20)
    out += deframer.feed(b"\x02\x02\xc1\xc0\x04\x00\x00\xc1")
    assert [type(x) for x in out] == [Drop, Drop, bytes]
    assert {x.reason for x in out if isinstance(x, Drop)} == {DropReason.OVERSIZED}
    assert out[-1] == b"\x04\x00\x00"


def test_flush_reports_an_unfinished_frame_once() -> None:
    deframer = Deframer()
    assert deframer.feed(b"\xc0\x6c\x0e") == []
    assert deframer.flush() == Drop(DropReason.TRUNCATED, b"\xc0\x6c\x0e")
    assert deframer.flush() is None


def test_parse_body_checks_len_against_data() -> None:
    assert parse_body(b"\x6c\x01\x00\xaa", from_pen=True) == Frame(0x6C, None, b"\xaa")
    too_long = parse_body(b"\x6c\x02\x00\xaa", from_pen=True)
    assert isinstance(too_long, Drop)
    assert too_long.reason is DropReason.BAD_LENGTH
    # A failed response may end after RESULT: keep it, with what data it has.
    assert parse_body(b"\x82\x03", from_pen=True) == Frame(0x82, 3, b"")


@given(st.binary(max_size=2000), st.integers(23, 517))
def test_split_notifications_respects_mtu(stream: bytes, mtu: int) -> None:
    pieces = split_notifications(stream, mtu)
    assert b"".join(pieces) == stream
    assert all(1 <= len(p) <= mtu - 3 for p in pieces)


@given(st.lists(st.binary(max_size=40), max_size=10), st.data())
def test_frames_survive_any_split(bodies: list[bytes], data: st.DataObject) -> None:
    stream = b"".join(encode_frame(0x6C, b) for b in bodies)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    deframer = Deframer()
    out: list[bytes | Drop] = []
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        out += deframer.feed(stream[a:b])
    assert out == [b"\x6c" + len(b).to_bytes(2, "little") + b for b in bodies]


@given(st.binary(max_size=500).map(lambda b: b.replace(b"\x7d", b"")))
def test_deframer_accounts_for_every_byte_of_random_input(stream: bytes) -> None:
    deframer = Deframer()
    out = deframer.feed(stream)
    tail = deframer.flush()
    # Without escapes, every input byte is in a body (plus its STX and ETX)
    # or in a reported drop: nothing vanishes silently.
    dropped = sum(len(x.data) for x in out if isinstance(x, Drop))
    dropped += len(tail.data) if tail else 0
    framed = sum(len(x) + 2 for x in out if isinstance(x, bytes))
    assert dropped + framed == len(stream)

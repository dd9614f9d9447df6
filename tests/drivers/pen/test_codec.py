"""The stream decoder: delivery patterns, damage, gaps and accounting."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.drivers.pen.codec import (
    CommandDecoder,
    DecodeError,
    EventGap,
    PenDecoder,
    PenMessage,
    encode_message,
)
from edge.drivers.pen.frames import DropReason, encode_frame
from edge.drivers.pen.messages import DotEvent, Paper, PenDown, PenUp
from edge.drivers.pen.responses import UnknownFrame

from .strategies import chopped, messages


def live_stroke(first: int = 0) -> list[PenMessage]:
    """Down, paper, three dots, up with consecutive event counts."""
    return [
        PenDown(first, 1_700_000_000_000),
        Paper(first + 1, 3, 27, 603, 1),
        DotEvent(first + 2, 0, 300, 10.5, 20.25),
        DotEvent(first + 3, 10, 310, 10.75, 20.5),
        DotEvent(first + 4, 10, 320, 11.0, 20.75),
        PenUp(first + 5, 1_700_000_000_020, 3),
    ]


def stream_of(events: list[PenMessage]) -> bytes:
    return b"".join(encode_message(e) for e in events)


def test_byte_by_byte_delivery_gives_the_same_events() -> None:
    decoder = PenDecoder()
    out = [e for byte in stream_of(live_stroke()) for e in decoder.feed(bytes([byte]))]
    assert out == live_stroke()


def test_merged_delivery_gives_the_same_events() -> None:
    assert PenDecoder().feed(stream_of(live_stroke()) * 2)[:6] == live_stroke()


def test_counter_jump_reports_lost_events_and_keeps_going() -> None:
    events = live_stroke()
    del events[2:4]  # two dots never arrived
    out = PenDecoder().feed(stream_of(events))
    assert out[2] == EventGap(expected=2, got=4, lost=2)
    assert out[3] == events[2]
    assert len(out) == len(events) + 1


def test_counter_wraps_from_255_to_0_without_a_gap() -> None:
    events = [DotEvent(255, 1, 1, 1.0, 1.0), DotEvent(0, 1, 1, 1.0, 1.0)]
    assert PenDecoder().feed(stream_of(events)) == events


def test_repeated_count_is_invalid_not_a_loss() -> None:
    decoder = PenDecoder()
    out = decoder.feed(stream_of([DotEvent(5, 1, 1, 1.0, 1.0)] * 2))
    assert out[1] == EventGap(expected=6, got=5, lost=0)
    assert decoder.stats.gaps == 1
    assert decoder.stats.lost_events == 0


def test_reset_counter_forgets_the_previous_connection() -> None:
    decoder = PenDecoder()
    decoder.feed(stream_of([DotEvent(5, 1, 1, 1.0, 1.0)]))
    decoder.reset_counter()
    assert decoder.feed(stream_of([DotEvent(90, 1, 1, 1.0, 1.0)]))[0].TYPE == "dot"


def test_unknown_opcode_is_reported_and_counted() -> None:
    decoder = PenDecoder()
    out = decoder.feed(encode_frame(0x7A, b"\x01\x02"))
    assert out == [UnknownFrame(0x7A, None, b"\x01\x02")]
    assert decoder.stats.unknown == 1


def test_short_payload_becomes_an_error_event(caplog: pytest.LogCaptureFixture) -> None:
    decoder = PenDecoder(label="9C:7B:D2:00:00:01")
    with caplog.at_level(logging.WARNING):
        out = decoder.feed(encode_frame(0x6C, b"\x01\x02\x03"))
    assert len(out) == 1
    assert isinstance(out[0], DecodeError)
    assert out[0].reason is DropReason.BAD_PAYLOAD
    assert "9C:7B:D2:00:00:01" in caplog.text
    assert decoder.stats.drops[DropReason.BAD_PAYLOAD] == 1


def test_garbage_between_frames_is_dropped_and_frames_survive() -> None:
    events = live_stroke()
    stream = b"\x00\x01\x02".join(encode_message(e) for e in events)
    decoder = PenDecoder()
    out = decoder.feed(stream)
    assert [e for e in out if not isinstance(e, DecodeError)] == events
    assert decoder.stats.dropped_bytes == 3 * (len(events) - 1)


def test_flush_reports_the_tail_of_a_cut_stream() -> None:
    decoder = PenDecoder()
    frame = encode_message(live_stroke()[0])
    assert decoder.feed(frame[:5]) == []
    (error,) = decoder.flush()
    assert error.reason is DropReason.TRUNCATED
    assert error.data == frame[:5]


@given(st.lists(messages, max_size=12), st.data())
def test_any_messages_survive_any_notification_split(
    sent: list[PenMessage], data: st.DataObject
) -> None:
    decoder = PenDecoder()
    pieces = data.draw(chopped(stream_of(sent)))
    received = [e for p in pieces for e in decoder.feed(p)]
    assert [e for e in received if not isinstance(e, EventGap)] == sent
    assert decoder.stats.dropped_bytes == 0


@given(st.lists(messages, min_size=1, max_size=6), st.binary(max_size=30))
def test_garbage_without_stx_between_frames_costs_no_message(
    sent: list[PenMessage], garbage: bytes
) -> None:
    garbage = garbage.replace(b"\xc0", b"")
    stream = garbage.join(encode_message(m) for m in sent)
    received = PenDecoder().feed(garbage + stream + garbage)
    kept = [e for e in received if not isinstance(e, DecodeError | EventGap)]
    assert kept == sent


@given(st.lists(st.binary(max_size=64), max_size=20))
def test_random_input_never_raises(pieces: list[bytes]) -> None:
    pen, host = PenDecoder(), CommandDecoder()
    for piece in pieces:
        pen.feed(piece)
        host.feed(piece)
    pen.flush()
    host.flush()


@given(st.lists(messages, min_size=2, max_size=6), st.data())
def test_a_corrupted_byte_loses_at_most_its_own_frame(
    sent: list[PenMessage], data: st.DataObject
) -> None:
    frames = [encode_message(m) for m in sent]
    victim = data.draw(st.integers(0, len(frames) - 1))
    frame = bytearray(frames[victim])
    at = data.draw(st.integers(1, len(frame) - 2))
    frame[at] = data.draw(st.integers(0, 255))
    frames[victim] = bytes(frame)
    received = PenDecoder().feed(b"".join(frames))
    kept = [e for e in received if not isinstance(e, DecodeError | EventGap)]
    others = sent[:victim] + sent[victim + 1 :]
    # A byte turned into STX or ETX can split the frame, never harm others.
    assert all(m in kept for m in others)

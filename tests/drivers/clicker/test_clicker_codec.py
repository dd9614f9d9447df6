"""Messages of the clicker receiver protocol: round trips, layouts, bad bodies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.drivers.clicker.codec import Decoder, Frame, decode_payload, encode
from edge.drivers.clicker.errors import DropReason, FrameError
from edge.drivers.clicker.framing import Drop, encode_frame
from edge.drivers.clicker.messages import (
    MESSAGE_CLASSES,
    ErrorReport,
    Message,
    MessageType,
    QuestionKind,
    StartQuestion,
    VoteReport,
)
from tests.drivers.clicker.strategies import frames, messages


@given(messages, st.integers(0, 255))
def test_every_message_round_trips(message: Message, seq: int) -> None:
    assert Decoder().feed(encode(message, seq)) == [Frame(seq, message)]


@settings(max_examples=50)
@given(st.lists(frames, min_size=1, max_size=20), st.data())
def test_a_stream_split_anywhere_decodes_to_the_same_frames(
    sent: list[tuple[Message, int]], data: st.DataObject
) -> None:
    stream = b"".join(encode(m, s) for m, s in sent)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=30)))
    decoder = Decoder()
    out: list[Frame | Drop] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        out += decoder.feed(stream[start:end])
    assert out == [Frame(s, m) for m, s in sent]
    assert decoder.frames == len(sent)
    assert not decoder.drops


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_random_input_never_raises(chunks: list[bytes]) -> None:
    decoder = Decoder()
    for chunk in chunks:
        for item in decoder.feed(chunk):
            assert isinstance(item, Frame | Drop)
    decoder.flush()
    assert decoder.dropped_bytes >= 0


def test_vote_layout_field_by_field() -> None:
    body = bytes.fromhex(
        "3412"  # question 0x1234
        "c3b2a100"  # clicker 00A1B2C3
        "11"  # clicker press 17
        "c3"  # rssi -61 dBm
        "2800"  # held 40 ms
        "02"  # two characters
        "4143"  # "AC"
    )
    vote = VoteReport.decode_body(body)
    assert vote == VoteReport(0x1234, 0x00A1B2C3, 17, -61, 40, "AC")
    assert vote.encode_body() == body


def test_longer_bodies_from_newer_firmware_are_accepted() -> None:
    body = StartQuestion(7, QuestionKind.NUMERIC, 0).encode_body() + b"\x99\x98"
    assert StartQuestion.decode_body(body) == StartQuestion(7, QuestionKind.NUMERIC, 0)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("7f 00", DropReason.UNKNOWN_TYPE),
        ("03 00 3412 c3b2a100 11 c3 2800", DropReason.BAD_LENGTH),  # no length byte
        ("03 00 3412 c3b2a100 11 c3 2800 03 4142", DropReason.BAD_LENGTH),
        ("03 00 3412 c3b2a100 11 c3 2800 00", DropReason.BAD_VALUE),  # empty answer
        ("03 00 3412 c3b2a100 11 c3 2800 11" + "41" * 17, DropReason.BAD_VALUE),
        ("03 00 3412 c3b2a100 11 c3 2800 01 20", DropReason.BAD_VALUE),  # space
        ("03 00 3412 c3b2a100 11 c3 2800 01 e4", DropReason.BAD_VALUE),  # not ASCII
        ("82 00 0000 01 04", DropReason.BAD_VALUE),  # question 0
        ("82 00 0100 09 04", DropReason.BAD_VALUE),  # kind 9
        ("82 00 0100 01 01", DropReason.BAD_VALUE),  # one option
        ("82 00 0100 01 0b", DropReason.BAD_VALUE),  # eleven options
        ("82 00 0100 03 02", DropReason.BAD_VALUE),  # options on true/false
        ("83 00 0000", DropReason.BAD_VALUE),
        ("04 00 c3b2a100 65 6a09 ba", DropReason.BAD_VALUE),  # 101 %
        ("06 00 01 00 00 05 6162", DropReason.BAD_LENGTH),
        ("06 00 01 00 00 41" + "61" * 65, DropReason.BAD_VALUE),
        ("01 00 01 01 02", DropReason.BAD_LENGTH),
    ],
)
def test_bad_bodies_are_dropped_with_their_reason(
    payload: str, reason: DropReason
) -> None:
    raw = bytes.fromhex(payload)
    with pytest.raises(FrameError) as info:
        decode_payload(raw)
    assert info.value.reason is reason

    decoder = Decoder()
    good = encode(StartQuestion(3, QuestionKind.SINGLE, 4), 9)
    out = decoder.feed(encode_frame(raw) + good)
    assert isinstance(out[0], Drop)
    assert out[0].reason is reason
    assert out[0].data == raw
    assert out[1] == Frame(9, StartQuestion(3, QuestionKind.SINGLE, 4))
    assert decoder.drops[reason] == 1


@pytest.mark.parametrize(
    "message",
    [
        VoteReport(1, 2, 3, 4, 5, ""),
        VoteReport(1, 2, 3, 4, 5, "X" * 17),
        VoteReport(1, 2, 3, 4, 5, "é"),
        VoteReport(1, 2, 300, 4, 5, "A"),
        VoteReport(1, 2, 3, 200, 5, "A"),
        ErrorReport(1, 2, 3, "tab\there"),
        StartQuestion(70000, QuestionKind.SINGLE, 4),
    ],
)
def test_encoders_refuse_values_the_wire_cannot_carry(message: Message) -> None:
    with pytest.raises(FrameError):
        encode(message, 0)


def test_sequence_number_is_a_byte() -> None:
    with pytest.raises(FrameError):
        encode(StartQuestion(1, QuestionKind.SINGLE, 2), 256)


def test_directions_and_type_table() -> None:
    assert set(MESSAGE_CLASSES) == set(MessageType)
    host_side = {
        "HelloRequest",
        "StartQuestion",
        "StopQuestion",
        "HostHeartbeat",
        "VoteAck",
    }
    for value, cls in MESSAGE_CLASSES.items():
        assert value == cls.TYPE
        assert (value >= 0x80) == (cls.__name__ in host_side)
    assert ErrorReport(9, 0, 0).code_name == "code_9"


def test_reset_forgets_a_partial_frame_but_keeps_counts() -> None:
    decoder = Decoder()
    decoder.feed(b"\x00\x33\x44")
    decoder.feed(b"\x55\x00")
    decoder.feed(b"\x00\x12")
    decoder.reset()
    frame = encode(StartQuestion(1, QuestionKind.SINGLE, 2), 1)
    assert decoder.feed(frame[1:]) == [
        Frame(1, StartQuestion(1, QuestionKind.SINGLE, 2))
    ]
    assert sum(decoder.drops.values()) == 1

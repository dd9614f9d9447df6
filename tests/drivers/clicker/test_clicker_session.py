"""The host session without I/O: handshake, questions, votes, retries, liveness."""

from __future__ import annotations

import logging

import pytest

from edge.drivers.clicker.codec import Decoder, Frame, encode
from edge.drivers.clicker.events import ClickerBattery, ReceiverFault
from edge.drivers.clicker.messages import (
    Ack,
    BatteryReport,
    ErrorCode,
    ErrorReport,
    Heartbeat,
    Hello,
    HelloRequest,
    HostHeartbeat,
    Message,
    MessageType,
    QuestionKind,
    StartQuestion,
    StopQuestion,
    VoteAck,
    VoteReport,
)
from edge.drivers.clicker.session import HostSession, Timing
from edge.models import Vote

HELLO = Hello(1, (1, 0, 0), 7, 0xC0FFEE, 250)
WALL = 1_780_000_000_000


def sent(data: bytes) -> list[Message]:
    """The messages in bytes the session wants written."""
    return [f.message for f in Decoder().feed(data) if isinstance(f, Frame)]


def connected(now: int = 0) -> HostSession:
    session = HostSession(lambda: WALL, Timing(), "test", first_question=100)
    assert sent(session.connect(now)) == [HelloRequest(1)]
    (delivery,) = session.receive(encode(HELLO, 0), now)
    assert delivery.event == HELLO
    return session


def test_connect_starts_with_a_delimiter_and_asks_for_hello() -> None:
    session = HostSession(lambda: WALL)
    data = session.connect(0)
    assert data[:2] == b"\x00\x00"
    assert session.hello is None


def test_question_is_started_after_hello_when_asked_before() -> None:
    session = HostSession(lambda: WALL, first_question=100)
    session.connect(0)
    assert session.start_question("p1", QuestionKind.SINGLE, 4, 0) == b""
    (delivery,) = session.receive(encode(HELLO, 0), 10)
    assert sent(delivery.reply) == [StartQuestion(100, QuestionKind.SINGLE, 4)]


def test_vote_becomes_a_domain_vote_with_its_poll_and_an_ack() -> None:
    session = connected()
    session.start_question("p1", QuestionKind.SINGLE, 4, 0)
    report = VoteReport(100, 0x00A1B2C3, 17, -61, 250, "B")
    (delivery,) = session.receive(encode(report, 5), 20)
    assert delivery.event == Vote("00A1B2C3", "B", 17, -61, WALL - 250, "p1")
    assert sent(delivery.reply) == [VoteAck(0x00A1B2C3, 17)]


def test_votes_for_no_question_or_an_unknown_one_have_no_poll() -> None:
    session = connected()
    for question in (0, 4242):
        (delivery,) = session.receive(
            encode(VoteReport(question, 1, 1, 0, 0, "A"), 1), 0
        )
        assert isinstance(delivery.event, Vote)
        assert delivery.event.poll_id is None


def test_each_poll_gets_its_own_question_number_and_keeps_it() -> None:
    session = connected()
    first = sent(session.start_question("a", QuestionKind.SINGLE, 2, 0))
    second = sent(session.start_question("b", QuestionKind.TRUE_FALSE, 0, 0))
    again = sent(session.start_question("a", QuestionKind.SINGLE, 2, 0))
    assert [m.question for m in first + second + again] == [100, 101, 100]  # type: ignore[union-attr]
    assert session.poll_of(101) == "b"


def test_question_numbers_wrap_and_skip_zero() -> None:
    session = HostSession(lambda: WALL, first_question=0xFFFF)
    session.start_question("a", QuestionKind.SINGLE, 2, 0)
    session.start_question("b", QuestionKind.SINGLE, 2, 0)
    assert (session.poll_of(0xFFFF), session.poll_of(1), session.poll_of(0)) == (
        "a",
        "b",
        None,
    )


def test_stop_only_for_the_open_poll() -> None:
    session = connected()
    session.start_question("a", QuestionKind.SINGLE, 2, 0)
    assert session.stop_question("other", 0) == b""
    assert sent(session.stop_question("a", 0)) == [StopQuestion(100)]
    assert session.stop_question("a", 0) == b""


def seq_of(frame: bytes) -> int:
    (decoded,) = Decoder().feed(frame)
    assert isinstance(decoded, Frame)
    return decoded.seq


def test_unacknowledged_command_is_sent_again_then_reported() -> None:
    session = connected()
    frame = session.start_question("a", QuestionKind.SINGLE, 2, 0)
    deliveries = [d for t in range(100, 5000, 100) for d in session.tick(t)]
    starts = [d.reply for d in deliveries if d.reply and sent(d.reply) == sent(frame)]
    assert starts == [frame] * 4  # five tries in all, each the same frame and seq
    faults = [d.event for d in deliveries if d.event]
    assert faults == [ReceiverFault("no_ack", "start_question", "no answer")]


def test_ack_ends_retransmission_only_for_its_frame() -> None:
    session = connected()
    frame = session.start_question("a", QuestionKind.SINGLE, 2, 0)
    seq = seq_of(frame)
    assert session.receive(encode(Ack(seq, MessageType.STOP_QUESTION), 1), 10) == []
    assert [d.reply for d in session.tick(600) if d.reply == frame] == [frame]
    session.receive(encode(Ack(seq, MessageType.START_QUESTION), 2), 700)
    assert [
        d for t in range(800, 4000, 100) for d in session.tick(t) if d.reply == frame
    ] == []


def test_receiver_error_is_an_event_and_ends_retransmission() -> None:
    session = connected()
    frame = session.start_question("a", QuestionKind.MULTIPLE, 3, 0)
    seq = seq_of(frame)
    error = ErrorReport(ErrorCode.BAD_ARGUMENT, seq, MessageType.START_QUESTION, "nope")
    (delivery,) = session.receive(encode(error, 3), 10)
    assert delivery.event == ReceiverFault("bad_argument", "start_question", "nope")
    assert not [
        d for d in session.tick(1000) if StartQuestion in map(type, sent(d.reply))
    ]


def test_heartbeat_disagreement_is_put_right() -> None:
    session = connected()
    start = session.start_question("a", QuestionKind.SINGLE, 2, 0)
    # While the START waits for its ACK, heartbeats do not trigger another one.
    assert session.receive(encode(Heartbeat(5, 0, 0), 1), 5) == []
    session.receive(encode(Ack(seq_of(start), MessageType.START_QUESTION), 2), 6)
    # Acknowledged, yet a heartbeat says no question is open: start it again.
    (fix,) = session.receive(encode(Heartbeat(5, 0, 0), 3), 10)
    assert sent(fix.reply) == [StartQuestion(100, QuestionKind.SINGLE, 2)]
    session.receive(encode(Ack(seq_of(fix.reply), MessageType.START_QUESTION), 4), 20)
    stop = session.stop_question("a", 30)
    session.receive(encode(Ack(seq_of(stop), MessageType.STOP_QUESTION), 5), 40)
    (fix,) = session.receive(encode(Heartbeat(6, 100, 0), 5), 50)
    assert sent(fix.reply) == [StopQuestion(100)]
    assert session.receive(encode(Heartbeat(6, 0, 0), 6), 60) == []


def test_host_heartbeat_and_silence() -> None:
    session = connected(now=0)
    beats = [m for d in session.tick(1000) for m in sent(d.reply)]
    assert beats == [HostHeartbeat(1)]
    assert [m for d in session.tick(1500) for m in sent(d.reply)] == []
    assert not session.is_silent(3000)
    assert session.is_silent(3001)
    session.receive(encode(Heartbeat(1, 0, 0), 1), 3001)
    assert not session.is_silent(5000)


def test_battery_report() -> None:
    session = connected()
    (a,) = session.receive(encode(BatteryReport(0xA1, 255, 2900, -50), 1), 0)
    (b,) = session.receive(encode(BatteryReport(0xA2, 80, 3000, -50), 2), 0)
    assert a.event == ClickerBattery("000000A1", None, 2900, -50, WALL)
    assert b.event == ClickerBattery("000000A2", 80, 3000, -50, WALL)
    assert (a.reply, b.reply) == (b"", b"")


def test_host_messages_echoed_back_are_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    session = connected()
    assert session.receive(encode(StopQuestion(3), 1), 0) == []
    assert session.unexpected == 1
    assert "unexpected STOP_QUESTION" in caplog.text


def test_noise_is_logged_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    session = connected()
    caplog.set_level(logging.WARNING)
    for t in range(0, 10_000, 100):
        session.receive(b"\x00\x13\x37\x00" + encode(Heartbeat(1, 0, 0), 1), t)
    session.receive(b"\x00\x13\x37\x00", 10_000)
    lines = [r for r in caplog.records if "line noise" in r.getMessage()]
    assert len(lines) == 2
    assert session.decoder.drops.total() == 101

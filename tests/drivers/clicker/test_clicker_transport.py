"""The serial transport against an emulated receiver on a real pseudo-terminal."""

from __future__ import annotations

import dataclasses
import os
import pty
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from edge.drivers.clicker.capture import decode_lines
from edge.drivers.clicker.config import ClickerConfig
from edge.drivers.clicker.discovery import PortInfo
from edge.drivers.clicker.errors import ClickerError
from edge.drivers.clicker.events import (
    ClickerBattery,
    ReceiverConnected,
    ReceiverDisconnected,
)
from edge.drivers.clicker.transport_serial import SerialReceiver
from edge.models import Vote
from edge.sim.clicker_receiver import EmulatedReceiver
from tests.drivers.clicker.conftest import EventLog


@contextmanager
def running(
    config: ClickerConfig, log: EventLog, **kwargs: object
) -> Iterator[SerialReceiver]:
    receiver = SerialReceiver(config, log, first_question=500, **kwargs)  # type: ignore[arg-type]
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


def wait_question(emulator: EmulatedReceiver, number: int) -> bool:
    deadline = time.monotonic() + 3
    while emulator.question != number and time.monotonic() < deadline:
        time.sleep(0.01)
    return emulator.question == number


def connects(n: int):  # type: ignore[no-untyped-def]
    return lambda log: len(log.of(ReceiverConnected)) >= n


def votes(n: int):  # type: ignore[no-untyped-def]
    return lambda log: len(log.of(Vote)) >= n


def test_connects_opens_questions_and_delivers_votes(
    config: ClickerConfig, emulator: EmulatedReceiver
) -> None:
    log = EventLog()
    with running(config, log) as receiver:
        assert log.wait_for(connects(1))
        (hello,) = log.of(ReceiverConnected)
        assert (hello.firmware, hello.channel, hello.receiver_id, hello.gap_ms) == (
            "1.0.0",
            7,
            "00C0FFEE",
            None,
        )
        assert receiver.connected
        receiver.start_question("poll-1", "single", 4)
        assert wait_question(emulator, 500)

        seq = emulator.press(0xA1B2C3, "C", rssi=-55)
        emulator.battery(0xA1B2C3, 42, 2800)
        assert log.wait_for(votes(1))
        assert emulator.wait_acknowledged(3)
        (vote,) = log.of(Vote)
        assert (vote.clicker, vote.answer, vote.seq, vote.rssi, vote.poll_id) == (
            "00A1B2C3",
            "C",
            seq,
            -55,
            "poll-1",
        )
        assert log.wait_for(lambda log: bool(log.of(ClickerBattery)))

        receiver.stop_question("poll-1")
        receiver.stop()  # the STOP still goes out
        assert wait_question(emulator, 0)
        assert receiver.stats()["frames"] > 0


def test_unplug_and_replug_reports_the_gap_and_loses_nothing(
    config: ClickerConfig, emulator: EmulatedReceiver
) -> None:
    log = EventLog()
    with running(config, log) as receiver:
        assert log.wait_for(connects(1))
        receiver.start_question("p", "true_false", 0)
        assert wait_question(emulator, 500)
        emulator.press(1, "T")
        assert log.wait_for(votes(1))

        emulator.unplug()
        assert log.wait_for(lambda log: bool(log.of(ReceiverDisconnected)))
        for clicker in range(2, 12):
            emulator.press(clicker, "F")  # heard while the gateway cannot listen
        time.sleep(0.4)
        emulator.plug()

        assert log.wait_for(connects(2))
        assert log.wait_for(votes(11))
        assert emulator.wait_acknowledged(3)
        gap = log.of(ReceiverConnected)[1].gap_ms
        assert gap is not None and gap >= 400
        assert {v.clicker for v in log.of(Vote)} == {f"{c:08X}" for c in range(1, 12)}
        assert all(v.poll_id == "p" for v in log.of(Vote))


def test_a_restarted_receiver_gets_the_open_question_back(
    config: ClickerConfig, link: Path
) -> None:
    log = EventLog()
    first = EmulatedReceiver(link, heartbeat_s=0.1)
    first.plug()
    with running(config, log) as receiver:
        assert log.wait_for(connects(1))
        receiver.start_question("q", "numeric", 0)
        assert wait_question(first, 500)
        first.close()  # power lost: the question is gone with it

        with EmulatedReceiver(link, heartbeat_s=0.1) as second:
            assert log.wait_for(connects(2))
            assert wait_question(second, 500)
            second.press(9, "-2.5")
            assert log.wait_for(votes(1))
            assert log.of(Vote)[0].poll_id == "q"


def test_a_silent_receiver_is_reopened(
    config: ClickerConfig, emulator: EmulatedReceiver
) -> None:
    log = EventLog()
    with running(config, log):
        assert log.wait_for(connects(1))
        emulator.stall(1.0)
        assert log.wait_for(lambda log: bool(log.of(ReceiverDisconnected)))
        assert "silent" in log.of(ReceiverDisconnected)[0].reason
        assert log.wait_for(connects(2), timeout=5)


def test_receiver_is_found_by_hello_among_usb_ports(
    config: ClickerConfig, emulator: EmulatedReceiver, link: Path
) -> None:
    mute_master, mute_slave = pty.openpty()  # a USB serial device that never answers
    try:
        listed = [
            PortInfo(os.ttyname(mute_slave), 0x0403, 0x6001, "some other device"),
            PortInfo("/dev/ttyS0", None, None, "built-in UART, never probed"),
            PortInfo(str(link), 0x1209, 0x0001, "receiver"),
        ]
        probing = dataclasses.replace(config, port=None)
        log = EventLog()
        with running(probing, log, ports=lambda: listed) as receiver:
            assert log.wait_for(connects(1))
            assert receiver.port == str(link)
    finally:
        os.close(mute_master)
        os.close(mute_slave)


def test_no_receiver_does_not_block_the_caller(
    config: ClickerConfig, link: Path
) -> None:
    log = EventLog()
    with running(config, log) as receiver:
        started = time.monotonic()
        receiver.start_question("early", "single", 3)
        assert time.monotonic() - started < 0.05
        time.sleep(0.5)
        assert not receiver.connected

        with EmulatedReceiver(link, heartbeat_s=0.1) as late:
            assert log.wait_for(connects(1), timeout=5)
            assert wait_question(late, 500)
    started = time.monotonic()
    receiver.stop()
    assert time.monotonic() - started < 0.5


def test_a_vote_the_gateway_failed_to_handle_comes_again(
    config: ClickerConfig, emulator: EmulatedReceiver
) -> None:
    log = EventLog()
    failures = []

    def flaky(event: object) -> None:
        if isinstance(event, Vote) and not failures:
            failures.append(event)
            raise RuntimeError("store is busy")
        log(event)

    receiver = SerialReceiver(config, flaky, first_question=500)
    receiver.start()
    try:
        assert log.wait_for(connects(1))
        emulator.press(5, "A")
        assert log.wait_for(votes(1))
        assert emulator.wait_acknowledged(3)
        assert failures and failures[0].seq == log.of(Vote)[0].seq
    finally:
        receiver.stop()


def test_incompatible_firmware_is_refused(
    config: ClickerConfig, link: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = EventLog()
    with EmulatedReceiver(link, protocol=2, heartbeat_s=0.1), running(config, log):
        time.sleep(1.0)
    assert log.of(ReceiverConnected) == []
    assert "update the receiver firmware" in caplog.text


def test_traffic_is_recorded_as_a_decodable_capture(
    config: ClickerConfig, emulator: EmulatedReceiver, tmp_path: Path
) -> None:
    capture = tmp_path / "captures" / "clicker.txt"
    log = EventLog()
    with running(dataclasses.replace(config, record=str(capture)), log) as receiver:
        assert log.wait_for(connects(1))
        receiver.start_question("r", "single", 2)
        assert wait_question(emulator, 500)
        emulator.press(77, "B")
        assert log.wait_for(votes(1))
    text = capture.read_text().splitlines()
    assert text[0].startswith("# clicker receiver on")
    decoded = list(decode_lines(text))
    assert {"hello", "ack", "vote"} <= {e["type"] for e in decoded}
    assert any(
        e.get("clicker") == "0000004D" and e.get("answer") == "B" for e in decoded
    )


@pytest.mark.parametrize(
    ("kind", "options"), [("essay", 0), ("single", 1), ("numeric", 4)]
)
def test_bad_questions_are_refused_at_once(
    config: ClickerConfig, kind: str, options: int
) -> None:
    receiver = SerialReceiver(config, EventLog())
    with pytest.raises(ClickerError):
        receiver.start_question("x", kind, options)


def test_exactly_one_callback() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        SerialReceiver(ClickerConfig())

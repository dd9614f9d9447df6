"""``edge-gateway clicker``: decoding captures, and the settings it reads."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from edge.cli.main import main
from edge.drivers.capture_text import parse_line
from edge.drivers.clicker.capture import format_line
from edge.drivers.clicker.codec import encode
from edge.drivers.clicker.config import ClickerConfig
from edge.drivers.clicker.discovery import PortInfo, candidate_ports, reconnect_delay
from edge.drivers.clicker.messages import Hello, QuestionKind, StartQuestion, VoteReport
from edge.errors import ConfigError
from edge.polls import PollKind
from edge.sim.clicker_receiver import EmulatedReceiver

HELLO = encode(Hello(1, (1, 2, 0), 7, 0xC0FFEE, 250), 0)
VOTE = encode(VoteReport(9, 0xA1B2C3, 17, -61, 40, "B"), 1)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    status = main(["clicker", *argv])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def test_decode_prints_one_json_object_per_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_text(
        "# receiver on /dev/ttyACM0\n"
        + format_line(HELLO + VOTE[:7], 1000)
        + "\n"
        + format_line(VOTE[7:] + b"\x13\x37", 1004)
        + "  00 "
        + " ".join(f"{b:02x}" for b in VOTE[1:])
        + "  # spaced out\n"
    )
    status, lines, err = run(capsys, "decode", str(capture), "--json")
    events = [json.loads(line) for line in lines]
    assert status == 0
    assert [e["type"] for e in events] == ["hello", "vote", "error", "vote", "summary"]
    assert events[0] == {
        "type": "hello",
        "seq": 0,
        "protocol": 1,
        "firmware": "1.2.0",
        "channel": 7,
        "receiver_id": "00C0FFEE",
        "capacity": 250,
        "line": 2,
        "t_ms": 1000,
    }
    assert (events[1]["answer"], events[1]["clicker"], events[1]["line"]) == (
        "B",
        "00A1B2C3",
        4,
    )
    assert events[1]["t_ms"] == 1004
    assert events[2]["reason"] == "cobs"
    assert events[2]["data"] == "1337"
    assert events[4] == {
        "type": "summary",
        "messages": {"error": 1, "hello": 1, "vote": 2},
        "dropped_bytes": 2,
    }
    assert err == ""


def test_decode_reports_bad_lines_and_a_truncated_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "bad.txt"
    capture.write_text("12x4\n1000 zz\n" + VOTE[:-3].hex() + "\n")
    status, lines, err = run(capsys, "decode", str(capture))
    events = [json.loads(line) for line in lines]
    assert status == 0
    assert [(e["type"], e["reason"]) for e in events] == [
        ("error", "bad_line"),
        ("error", "bad_line"),
        ("error", "truncated"),
    ]
    assert events[1]["line"] == 2
    assert "3 error" in err


def test_decode_of_a_missing_file_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, err = run(capsys, "decode", str(tmp_path / "nope.txt"))
    assert status == 2
    assert lines == []
    assert err.startswith("edge-gateway clicker: error: cannot read capture")
    assert "Traceback" not in err


def test_decode_reads_standard_input_through_the_console_script() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "edge.cli.main", "clicker", "decode", "-"],
        input=format_line(HELLO),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stdout)["type"] == "hello"


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("", None),
        ("   # only a comment", None),
        ("0a0b", (None, b"\x0a\x0b")),
        ("123 0a0b", (123, b"\x0a\x0b")),
        ("0a 0b 0c", (None, b"\x0a\x0b\x0c")),
        ("12 34", (None, b"\x12\x34")),  # two digits are a byte, not a time
        ("1700000000000 00 02", (1700000000000, b"\x00\x02")),
        ("abc", "not hex: 'abc'"),
    ],
)
def test_capture_lines(line: str, parsed: object) -> None:
    assert parse_line(line) == parsed


def test_every_action_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for action in ("decode", "listen", "emulate"):
        with pytest.raises(SystemExit) as info:
            main(["clicker", action, "--help"])
        assert info.value.code == 0
        assert "--json" in capsys.readouterr().out


def test_listen_opens_a_question_and_prints_votes(
    link: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with EmulatedReceiver(link, heartbeat_s=0.1) as receiver:
        pressing = threading.Thread(target=press_when_open, args=(receiver,))
        pressing.start()
        status, lines, _ = run(
            capsys,
            "listen",
            "--port",
            str(link),
            "--open",
            "true_false",
            "--duration",
            "1.5",
        )
        pressing.join()
    events = [json.loads(line) for line in lines]
    assert status == 0
    assert events[0]["type"] == "receiver_connected"
    assert {"type": "vote", "clicker": "0000002A", "answer": "T"}.items() <= events[
        1
    ].items()
    assert events[-1]["type"] == "receiver_disconnected"


def press_when_open(receiver: EmulatedReceiver) -> None:
    deadline = time.monotonic() + 5
    while not receiver.question and time.monotonic() < deadline:
        time.sleep(0.01)
    receiver.press(42, "T")


@pytest.mark.parametrize("question", ["single:x", "single:1", "essay"])
def test_listen_refuses_a_bad_question(
    question: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "listen", "--open", question, "--duration", "0.1")
    assert status == 2
    assert err.count("\n") == 1 and "error" in err


# -- settings and discovery ------------------------------------------------------


def test_config_from_mapping() -> None:
    config = ClickerConfig.from_mapping(
        {
            "port": "/dev/serial/by-id/usb-clicker",
            "usb_ids": ["1209:0001"],
            "heartbeat_s": 2,
            "silence_s": 6.5,
            "record": "",
        }
    )
    assert config.port == "/dev/serial/by-id/usb-clicker"
    assert config.usb_ids == ((0x1209, 0x0001),)
    assert (config.heartbeat_s, config.silence_s, config.record) == (2.0, 6.5, None)
    assert ClickerConfig.from_mapping({}) == ClickerConfig()


@pytest.mark.parametrize(
    ("mapping", "key"),
    [
        ({"prot": "x"}, "clicker.prot"),
        ({"usb_ids": ["12090001"]}, "clicker.usb_ids"),
        ({"usb_ids": ["1:10000"]}, "clicker.usb_ids"),
        ({"usb_ids": "1209:0001"}, "clicker.usb_ids"),
        ({"probe": "yes"}, "clicker.probe"),
        ({"baudrate": 0}, "clicker.baudrate"),
        ({"retry_s": True}, "clicker.retry_s"),
        ({"retry_s": -1}, "clicker.retry_s"),
        ({"port": 5}, "clicker.port"),
        ({"heartbeat_s": 3, "silence_s": 3}, "clicker.silence_s"),
    ],
)
def test_config_errors_name_the_key(mapping: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        ClickerConfig.from_mapping(mapping)


def test_candidate_ports_order() -> None:
    listed = [
        PortInfo("/dev/ttyS0"),
        PortInfo("/dev/ttyACM1", 0x0403, 0x6001),
        PortInfo("/dev/ttyACM0", 0x1209, 0x0001),
    ]
    known = ClickerConfig(usb_ids=((0x1209, 0x0001),))
    assert candidate_ports(known, listed) == ["/dev/ttyACM0", "/dev/ttyACM1"]
    assert candidate_ports(
        ClickerConfig(usb_ids=known.usb_ids, probe=False), listed
    ) == ["/dev/ttyACM0"]
    assert candidate_ports(ClickerConfig(port="/dev/x"), listed) == ["/dev/x"]


def test_reconnect_delay_doubles_up_to_the_cap() -> None:
    delays = [reconnect_delay(n, 2.0) for n in range(0, 8)]
    assert delays == [0.0, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    assert reconnect_delay(10_000, 2.0) == 2.0


def test_poll_kinds_match_the_wire_kinds() -> None:
    assert [k.name.lower() for k in QuestionKind] == [str(k) for k in PollKind]
    assert StartQuestion(1, QuestionKind["TRUE_FALSE"], 0).kind == 3

"""Capture files, the traffic recorder and ``edge-gateway pen decode``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from edge.cli.main import main
from edge.drivers.pen.capture import BadLine, CaptureLine, CaptureRecorder, read_capture
from edge.drivers.pen.codec import encode_message
from edge.drivers.pen.messages import DotEvent, Paper, PenDown, PenUp

from .test_codec import live_stroke


def test_read_capture_accepts_times_comments_and_blank_lines() -> None:
    lines = ["# pen 9C:7B:D2:00:00:01", "", "c0 # trailing comment", "1700 c104"]
    got = list(read_capture(lines))
    assert [(c.line, c.t_ms, c.data) for c in got] == [
        (3, None, b"\xc0"),
        (4, 1700, b"\xc1\x04"),
    ]


@pytest.mark.parametrize("bad", ["zz", "abc c0c1", "c0c", "1700 c0 1"])
def test_a_bad_line_is_reported_and_the_rest_still_read(bad: str) -> None:
    got = list(read_capture(["c0c1", bad, "c0c2"], name="cap"))
    assert [type(c) for c in got] == [CaptureLine, BadLine, CaptureLine]
    assert got[1].line == 2 and "hex" in got[1].reason
    assert got[2].data == b"\xc0\xc2"


def test_hex_spaced_out_in_bytes_is_read_as_one_notification() -> None:
    got = list(read_capture(["c0 6c 0e", "1700 c1 04", "12 34 56"]))
    assert [(c.t_ms, c.data) for c in got] == [
        (None, b"\xc0\x6c\x0e"),
        (1700, b"\xc1\x04"),
        (None, b"\x12\x34\x56"),  # two-digit words are bytes, not a time
    ]


def test_recorder_writes_what_read_capture_reads_back() -> None:
    stream = io.StringIO()
    times = iter(range(1000, 2000))
    recorder = CaptureRecorder(stream, clock=lambda: next(times), pen="AA:BB")
    recorder.host_write(b"\xc0\x04\x00\x00\xc1")
    recorder.notification(b"\xc0\x6c")
    recorder.notification(bytearray(b"\x01\xc1"))
    stream.seek(0)
    got = list(read_capture(stream))
    assert [(c.t_ms, c.data) for c in got] == [(1001, b"\xc0\x6c"), (1002, b"\x01\xc1")]
    assert "# > 1000 c004" in stream.getvalue()


def write_capture(path: Path, notifications: list[bytes]) -> Path:
    lines = ["# recorded from an emulated pen"]
    lines += [f"{1000 + i} {n.hex()}" for i, n in enumerate(notifications)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_pen_decode_prints_one_json_object_per_event(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = b"".join(encode_message(e) for e in live_stroke())
    pieces = [stream[i : i + 20] for i in range(0, len(stream), 20)]  # MTU 23
    pieces.append(b"\x55\x55")  # trailing garbage
    capture = write_capture(tmp_path / "pen.cap", pieces)

    assert main(["pen", "decode", str(capture), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    types = [r["type"] for r in rows]
    assert types == [
        "pen_down",
        "paper",
        "dot",
        "dot",
        "dot",
        "pen_up",
        "error",
        "summary",
    ]
    assert rows[0]["time"] == 1_700_000_000_000
    assert {k: rows[1][k] for k in ("section", "owner", "book", "page")} == {
        "section": 3, "owner": 27, "book": 603, "page": 1,
    }  # fmt: skip
    assert (rows[3]["x"], rows[3]["y"], rows[3]["force"], rows[3]["dt"]) == (
        10.75, 20.5, 310, 10,
    )  # fmt: skip
    assert rows[6]["reason"] == "garbage"
    assert rows[6]["data"] == "5555"
    assert rows[-1]["dropped_bytes"] == 2


def test_pen_decode_reports_a_cut_last_frame(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = [encode_message(PenDown(0, 5)), encode_message(Paper(1, 1, 2, 3, 4))]
    capture = write_capture(tmp_path / "cut.cap", [frames[0], frames[1][:6]])
    assert main(["pen", "decode", str(capture)]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["type"] for r in rows] == ["pen_down", "error"]
    assert rows[1]["reason"] == "truncated"
    assert "6 bytes dropped" in captured.err


def test_pen_decode_reports_a_bad_line_and_reads_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "bad.cap"
    capture.write_text("c06101000fc1\nnot-hex\nc0 61 01 00 0e c1\n", encoding="utf-8")
    assert main(["pen", "decode", str(capture), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["type"], r.get("line")) for r in rows[:-1]] == [
        ("low_battery", 1),
        ("error", 2),
        ("low_battery", 3),
    ]
    assert rows[1]["reason"] == "bad_line" and "not-hex" in rows[1]["detail"]
    assert rows[-1]["type"] == "summary" and rows[-1]["events"]["error"] == 1


def test_pen_decode_of_a_missing_file_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pen", "decode", str(tmp_path / "missing.cap")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing.cap" in err[0]


def test_old_protocol_events_decode_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = [PenDown(None, 20_000), Paper(None, 3, 27, 1, 2),
              DotEvent(None, 0, 9, 1.5, 2.5), PenUp(None, 20_010)]  # fmt: skip
    capture = write_capture(tmp_path / "v1.cap", [encode_message(e) for e in events])
    assert main(["pen", "decode", str(capture), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["type"] for r in rows[:-1]] == ["pen_down", "paper", "dot", "pen_up"]
    assert all(r["count"] is None for r in rows[:-1])

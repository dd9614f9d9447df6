"""Pen messages and host requests: hand-written frames and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given

from edge.drivers.pen.codec import (
    CommandDecoder,
    PenDecoder,
    PenMessage,
    encode_command,
    encode_message,
)
from edge.drivers.pen.commands import (
    HostCommand,
    LiveEnableRequest,
    OfflineChunkAck,
    OfflineDataRequest,
    PasswordRequest,
    SettingChange,
    VersionRequest,
)
from edge.drivers.pen.messages import DotEvent, OfflineChunk, Paper, PenDown, PenUp
from edge.drivers.pen.responses import (
    CommandFailed,
    NoteList,
    PasswordStatus,
    PenSettings,
    VersionInfo,
)
from edge.drivers.pen.wire import NoteRef, protocol_number

from .strategies import commands, messages


def hexframe(*fields: str) -> bytes:
    """A frame from hex fields given one per line with a comment each."""
    return bytes.fromhex("".join(fields))


def decode_one(frame: bytes) -> object:
    events = PenDecoder().feed(frame)
    assert len(events) == 1, events
    return events[0]


PEN_FRAMES: list[tuple[bytes, PenMessage]] = [
    (
        hexframe(
            "c0",  # STX
            "69",  # CMD pen down (no RESULT: an event)
            "0e00",  # LEN 14
            "07",  # event count 7
            "00806e8774010000",  # time 1_600_000_000_000 ms
            "00",  # tip: pen
            "000000ff",  # colour 0xFF000000
            "c1",  # ETX
        ),
        PenDown(7, 1_600_000_000_000, 0, 0xFF000000),
    ),
    (
        hexframe(
            "c0",  # STX
            "6b",  # CMD paper
            "0d00",  # LEN 13
            "08",  # event count 8
            "1b000003",  # SO: owner 27 (24-bit LE), section 3
            "5b020000",  # book 603
            "01000000",  # page 1
            "c1",  # ETX
        ),
        Paper(8, 3, 27, 603, 1),
    ),
    (
        hexframe(
            "c0",  # STX
            "6c",  # CMD dot
            "0e00",  # LEN 14
            "09",  # event count 9
            "0d",  # dt 13 ms
            "2c01",  # force 300
            "7d e0 00",  # x integer 0x00C0 = 192, escaped (C0 -> 7D E0)
            "3800",  # y integer 56
            "05",  # fx 0.05
            "4e",  # fy 0.78
            "0102",  # tilt x 1, tilt y 2
            "0300",  # twist 3
            "c1",  # ETX
        ),
        DotEvent(9, 13, 300, 192.05, 56.78, 1, 2, 3),
    ),
    (
        hexframe(
            "c0",  # STX
            "6a",  # CMD pen up
            "1300",  # LEN 19
            "0a",  # event count 10
            "0d806e8774010000",  # time 1_600_000_000_013 ms
            "0100",  # dots 1
            "0100",  # images 1
            "0100",  # processed 1
            "0100",  # succeeded 1
            "0100",  # sent 1
            "c1",  # ETX
        ),
        PenUp(10, 1_600_000_000_013, 1, 1, 1, 1, 1),
    ),
    (
        hexframe(
            "c0",  # STX
            "63",  # CMD old pen up/down (protocol < 2.12)
            "0e00",  # LEN 14
            "01",  # 1 = up
            "0d806e8774010000",  # time
            "00",  # tip
            "00000000",  # colour
            "c1",  # ETX
        ),
        PenUp(None, 1_600_000_000_013),
    ),
    (
        hexframe(
            "c0",  # STX
            "82",  # CMD password response
            "00",  # RESULT success
            "0300",  # LEN 3
            "01",  # status 1: accepted
            "00",  # retries used
            "0a",  # retry limit 10
            "c1",  # ETX
        ),
        PasswordStatus(1, 0, 10),
    ),
    (
        hexframe(
            "c0",  # STX
            "a1",  # CMD note list
            "00",  # RESULT success
            "0a00",  # LEN 10
            "0100",  # one note
            "1b000003",  # SO: owner 27, section 3
            "5b020000",  # note 603
            "c1",  # ETX
        ),
        NoteList((NoteRef(3, 27, 603),)),
    ),
    (
        hexframe(
            "c0",  # STX
            "91",  # CMD live enable response
            "02",  # RESULT 2: failed, and no LEN or DATA follow
            "c1",  # ETX
        ),
        CommandFailed(0x91, 2),
    ),
]


@pytest.mark.parametrize(("frame", "message"), PEN_FRAMES)
def test_hand_written_pen_frames(frame: bytes, message: PenMessage) -> None:
    assert decode_one(frame) == message


def test_settings_frame_field_by_field() -> None:
    frame = hexframe(
        "c0",  # STX
        "84",  # CMD settings
        "00",  # RESULT success
        "1700",  # LEN 23
        "01",  # locked
        "0a",  # maximum retries 10
        "02",  # retries used 2
        "00806e8774010000",  # pen clock 1_600_000_000_000
        "1400",  # auto power-off 20 min
        "ff03",  # maximum force 1023
        "21",  # storage used 33 %
        "01",  # cap-off power-down
        "00",  # auto power-on
        "01",  # beep
        "00",  # hover
        "5a",  # battery 90 %
        "01",  # offline storage enabled
        "02",  # force sensitivity step 2
        "c1",  # ETX
    )
    expected = PenSettings(
        True, 10, 2, 1_600_000_000_000, 20, 1023, 33,
        True, False, True, False, 90, True, 2,
    )  # fmt: skip
    assert decode_one(frame) == expected


def test_version_frame_reads_names_and_compression_flag() -> None:
    names = (
        b"NWP-F121".ljust(16, b"\0")  # device name
        + b"1.04.0012".ljust(16, b"\0")  # firmware
        + b"2.22".ljust(8, b"\0")  # protocol
        + b"".ljust(16, b"\0")  # sub-name
    )
    tail = hexframe(
        "1201",  # device type 0x0112
        "9c7bd2001234",  # MAC
        "01",  # pressure sensor type
        "0000",  # company
        "01",  # product
        "02",  # colour
        "01",  # compression supported (protocol >= 2.22)
    )
    data = names + tail
    frame = b"\xc0\x81\x00" + len(data).to_bytes(2, "little") + data + b"\xc1"
    version = decode_one(frame)
    assert version == VersionInfo(
        "NWP-F121", "1.04.0012", "2.22", "", 0x0112, "9C:7B:D2:00:12:34",
        1, 0, 1, 2, True,
    )  # fmt: skip
    assert protocol_number(version.protocol) > protocol_number("2.18")


def test_offline_chunk_header_fields() -> None:
    frame = hexframe(
        "c0",  # STX
        "24",  # CMD offline chunk (no RESULT)
        "1500",  # LEN 21 = 18 header + 3 payload
        "0500",  # packet id 5
        "00",  # not compressed
        "0300",  # size before 3
        "0300",  # size after 3
        "02",  # position: last
        "1b000003",  # SO owner 27 section 3
        "5b020000",  # note 603
        "0100",  # one stroke
        "aabbcc",  # payload
        "c1",  # ETX
    )
    expected = OfflineChunk(5, False, 3, 3, 2, 3, 27, 603, 1, b"\xaa\xbb\xcc")
    assert decode_one(frame) == expected


HOST_FRAMES: list[tuple[bytes, HostCommand]] = [
    (
        hexframe(
            "c0",  # STX
            "02",  # CMD password
            "1000",  # LEN 16
            "31323334000000000000000000000000",  # "1234", zero-padded
            "c1",  # ETX
        ),
        PasswordRequest("1234"),
    ),
    (
        hexframe(
            "c0",  # STX
            "05",  # CMD change setting
            "0900",  # LEN 9
            "01",  # setting 1: clock
            "00806e8774010000",  # 1_600_000_000_000 ms
            "c1",  # ETX
        ),
        SettingChange.clock(1_600_000_000_000),
    ),
    (
        hexframe(
            "c0",  # STX
            "11",  # CMD enable live dots
            "0200",  # LEN 2
            "ffff",  # short form: every note
            "c1",  # ETX
        ),
        LiveEnableRequest(),
    ),
    (
        hexframe(
            "c0",  # STX
            "23",  # CMD offline data request
            "1200",  # LEN 18
            "02",  # 2: keep the data on the pen
            "01",  # compression wanted
            "1b000003",  # SO owner 27 section 3
            "5b020000",  # note 603
            "01000000",  # one page follows
            "04000000",  # page 4
            "c1",  # ETX
        ),
        OfflineDataRequest(3, 27, 603, (4,)),
    ),
    (
        hexframe(
            "c0",  # STX
            "a4",  # CMD chunk acknowledgement, the one request with RESULT
            "00",  # RESULT ok
            "0300",  # LEN 3
            "7de000",  # packet id 0x00C0, escaped
            "00",  # continue 0: that was the last chunk
            "c1",  # ETX
        ),
        OfflineChunkAck(0xC0, ok=True, more=False),
    ),
]


@pytest.mark.parametrize(("frame", "command"), HOST_FRAMES)
def test_hand_written_host_frames(frame: bytes, command: HostCommand) -> None:
    assert encode_command(command) == frame
    assert CommandDecoder().feed(frame) == [command]


def test_version_request_defaults_match_the_vendor_web_sdk() -> None:
    data = encode_command(VersionRequest())[4:-1]
    assert data[16:18] == b"\xf0\x01"
    assert data[18:25] == b"0.0.0.0"
    assert data[34:38] == b"2.18"


@given(messages)
def test_every_pen_message_round_trips(message: PenMessage) -> None:
    assert PenDecoder().feed(encode_message(message)) == [message]


@given(commands)
def test_every_host_command_round_trips(command: HostCommand) -> None:
    assert CommandDecoder().feed(encode_command(command)) == [command]

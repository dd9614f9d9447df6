"""Framing of NeoSmartpen protocol 2: byte stuffing, opcodes and the deframer.

A frame is ``STX CMD [RESULT] LEN(u16 LE) DATA ETX``. Inside the frame the
bytes STX, ETX and ESC never appear raw: each is sent as ESC followed by the
value XOR 0x20. The deframer is a byte-stream state machine, so frames may be
split over notifications or several may share one notification.
"""

from __future__ import annotations

import enum
import re
import struct
from dataclasses import dataclass

STX = 0xC0
ETX = 0xC1
ESC = 0x7D
ESC_XOR = 0x20

# The vendor Android parser gives up on frames above 32 KiB; so do we.
MAX_FRAME = 32 * 1024

_U16 = struct.Struct("<H")
_TO_ESCAPE = re.compile(rb"[\xc0\xc1\x7d]")
_ESCAPED = re.compile(rb"\x7d(.)", re.DOTALL)


class PenCmd(enum.IntEnum):
    """Opcodes the pen sends: events (0x24, 0x6x, 0x73) and responses (0x8x+)."""

    OFFLINE_CHUNK = 0x24
    LOW_BATTERY = 0x61
    POWER_OFF = 0x62
    PEN_UPDOWN_V1 = 0x63
    PAPER_V1 = 0x64
    DOT_V1 = 0x65
    DOT_COMPACT = 0x66
    DOT_COMPACT_SHORT = 0x67
    DOT_ERROR_V1 = 0x68
    PEN_DOWN = 0x69
    PEN_UP = 0x6A
    PAPER = 0x6B
    DOT = 0x6C
    DOT_ERROR = 0x6D
    HOVER_DOT = 0x6F
    PDS = 0x73
    VERSION = 0x81
    PASSWORD = 0x82
    PASSWORD_CHANGE = 0x83
    SETTINGS = 0x84
    SETTING_CHANGE = 0x85
    LIVE_ENABLE = 0x91
    NOTE_LIST = 0xA1
    PAGE_LIST = 0xA2
    OFFLINE_DATA = 0xA3
    OFFLINE_DELETE = 0xA5


class HostCmd(enum.IntEnum):
    """Opcodes the host sends to the pen."""

    VERSION = 0x01
    PASSWORD = 0x02
    PASSWORD_CHANGE = 0x03
    SETTINGS = 0x04
    SETTING_CHANGE = 0x05
    LIVE_ENABLE = 0x11
    NOTE_LIST = 0x21
    PAGE_LIST = 0x22
    OFFLINE_DATA = 0x23
    OFFLINE_DELETE = 0x25
    OFFLINE_CHUNK_ACK = 0xA4


def pen_frame_has_result(cmd: int) -> bool:
    """Whether a pen-to-host frame with this opcode carries a RESULT byte."""
    # Union of the web and Android SDK rules: events carry no RESULT.
    if 0x60 <= cmd <= 0x6F or 0x78 <= cmd <= 0x7F:
        return False
    return cmd not in (0x73, 0x24, 0x32)


def host_frame_has_result(cmd: int) -> bool:
    """Whether a host-to-pen frame carries a RESULT byte (only the chunk ack)."""
    return cmd == HostCmd.OFFLINE_CHUNK_ACK


def escape(body: bytes) -> bytes:
    """The body with STX, ETX and ESC stuffed as ESC, value XOR 0x20."""
    return _TO_ESCAPE.sub(lambda m: bytes((ESC, m[0][0] ^ ESC_XOR)), body)


def unescape(body: bytes) -> bytes:
    """The body with stuffing removed; ValueError if it ends in a lone ESC."""
    if ESC not in body:
        return body
    trailing = len(body) - len(body.rstrip(b"\x7d"))
    if trailing % 2:
        raise ValueError("frame ends inside an escape sequence")
    return _ESCAPED.sub(lambda m: bytes((m[1][0] ^ ESC_XOR,)), body)


def encode_frame(cmd: int, data: bytes = b"", result: int | None = None) -> bytes:
    """One complete frame, escaped, from STX to ETX."""
    if len(data) > 0xFFFF:
        raise ValueError(f"frame data of {len(data)} bytes exceeds LEN")
    head = bytes((cmd,)) if result is None else bytes((cmd, result))
    return bytes((STX,)) + escape(head + _U16.pack(len(data)) + data) + bytes((ETX,))


class DropReason(enum.StrEnum):
    """Why bytes of the stream were discarded."""

    GARBAGE = "garbage"
    TRUNCATED = "truncated"
    OVERSIZED = "oversized"
    BAD_ESCAPE = "bad_escape"
    BAD_LENGTH = "bad_length"
    BAD_PAYLOAD = "bad_payload"


@dataclass(frozen=True, slots=True)
class Drop:
    """Bytes the deframer or parser discarded, with the reason."""

    reason: DropReason
    data: bytes


@dataclass(frozen=True, slots=True)
class Frame:
    """One unescaped frame: opcode, optional RESULT byte and DATA."""

    cmd: int
    result: int | None
    data: bytes


class Deframer:
    """Turns a byte stream into unescaped frame bodies and dropped runs."""

    __slots__ = ("_buf", "_in_frame", "_max", "_skipping")

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self._buf = bytearray()
        self._in_frame = False
        self._skipping = False
        self._max = max_frame

    def feed(self, data: bytes) -> list[bytes | Drop]:
        """Bodies (between STX and ETX) of the frames completed by ``data``."""
        out: list[bytes | Drop] = []
        pos, end = 0, len(data)
        while pos < end:
            if self._in_frame:
                pos = self._inside(data, pos, out)
            else:
                pos = self._outside(data, pos, out)
        return out

    def _outside(self, data: bytes, pos: int, out: list[bytes | Drop]) -> int:
        start = data.find(STX, pos)
        stop = len(data) if start < 0 else start
        if stop > pos:
            reason = DropReason.OVERSIZED if self._skipping else DropReason.GARBAGE
            out.append(Drop(reason, bytes(data[pos:stop])))
        if start < 0:
            return len(data)
        self._in_frame, self._skipping = True, False
        self._buf.clear()
        return start + 1

    def _inside(self, data: bytes, pos: int, out: list[bytes | Drop]) -> int:
        etx = data.find(ETX, pos)
        stx = data.find(STX, pos, len(data) if etx < 0 else etx)
        if stx >= 0:
            # A fresh STX before the ETX: the pending frame lost its tail.
            lost = b"\xc0" + self._take(data, pos, stx)
            out.append(Drop(DropReason.TRUNCATED, lost))
            return stx + 1
        if etx < 0:
            self._buf += data[pos:]
            if len(self._buf) > self._max:
                out.append(Drop(DropReason.OVERSIZED, bytes((STX,)) + self._buf))
                self._buf.clear()
                self._in_frame, self._skipping = False, True
            return len(data)
        body = self._take(data, pos, etx)
        self._in_frame = False
        try:
            out.append(unescape(body))
        except ValueError:
            out.append(Drop(DropReason.BAD_ESCAPE, bytes((STX,)) + body + b"\xc1"))
        return etx + 1

    def _take(self, data: bytes, pos: int, stop: int) -> bytes:
        body = bytes(self._buf) + bytes(data[pos:stop])
        self._buf.clear()
        return body

    def flush(self) -> Drop | None:
        """Give up on an unfinished frame, as at the end of a stream."""
        if not self._in_frame:
            return None
        lost = b"\xc0" + bytes(self._buf)
        self._buf.clear()
        self._in_frame = False
        return Drop(DropReason.TRUNCATED, lost)


def parse_body(body: bytes, *, from_pen: bool) -> Frame | Drop:
    """A frame from an unescaped body, or a drop when its LEN does not fit."""
    if not body:
        return Drop(DropReason.BAD_LENGTH, bytes((STX, ETX)))
    cmd = body[0]
    has_result = pen_frame_has_result(cmd) if from_pen else host_frame_has_result(cmd)
    head = 2 if has_result else 1
    result = body[1] if has_result and len(body) > 1 else None
    if result:
        # A failed response may stop right after RESULT; keep what is there.
        return Frame(cmd, result, bytes(body[head + 2 :]))
    if len(body) < head + 2:
        return Drop(DropReason.BAD_LENGTH, bytes((STX, *body, ETX)))
    (length,) = _U16.unpack_from(body, head)
    if len(body) != head + 2 + length:
        return Drop(DropReason.BAD_LENGTH, bytes((STX, *body, ETX)))
    return Frame(cmd, result, bytes(body[head + 2 :]))


def split_notifications(stream: bytes, mtu: int) -> list[bytes]:
    """The stream cut into notification values of at most ``mtu - 3`` bytes."""
    size = mtu - 3
    if size < 1:
        raise ValueError(f"MTU {mtu} leaves no room for data")
    return [stream[i : i + size] for i in range(0, len(stream), size)]

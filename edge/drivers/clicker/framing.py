"""Framing of the clicker receiver protocol: COBS, CRC-16 and the deframer.

A frame on the wire is ``00 COBS(payload CRC) 00``. COBS removes every zero
byte from the frame, so a zero always means "frame boundary" and the reader
finds the next frame after any amount of noise. The CRC is CRC-16/CCITT-FALSE
over the payload, little-endian. See ``firmware_protocols/clicker-receiver.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.drivers.clicker.errors import DropReason, FrameError

DELIMITER = 0x00

# The receiver firmware parses frames in one 256-byte UART buffer: payload and
# CRC fit in 254 bytes, which COBS encodes in at most 255, plus the delimiter.
MAX_PAYLOAD = 252
MIN_PAYLOAD = 2  # type and sequence number
CRC_SIZE = 2
MAX_ENCODED = MAX_PAYLOAD + CRC_SIZE + 1


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        table.append(crc & 0xFFFF)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF); check value 0x29B1."""
    crc = 0xFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC_TABLE[(crc >> 8) ^ byte]
    return crc


def cobs_encode(data: bytes) -> bytes:
    """COBS-encode ``data``; the result contains no zero byte."""
    out = bytearray()
    start = 0
    while True:
        block_end = min(start + 254, len(data))
        zero = data.find(0, start, block_end)
        if zero >= 0:
            out.append(zero - start + 1)
            out += data[start:zero]
            start = zero + 1
            continue
        out.append(block_end - start + 1)
        out += data[start:block_end]
        if block_end - start < 254 or block_end == len(data):
            return bytes(out)
        start = block_end  # a full block (code 0xFF) implies no zero


def cobs_decode(data: bytes) -> bytes:
    """Undo :func:`cobs_encode`; raises FrameError on malformed input."""
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i]
        end = i + code
        if code == 0 or end > len(data):
            raise FrameError(DropReason.COBS, "COBS block runs past the frame", data)
        out += data[i + 1 : end]
        i = end
        if code != 0xFF and i < len(data):
            out.append(0)
    return bytes(out)


def encode_frame(payload: bytes) -> bytes:
    """Wrap a payload (type, seq, body) into a delimited frame for the wire."""
    if not MIN_PAYLOAD <= len(payload) <= MAX_PAYLOAD:
        raise FrameError(
            DropReason.OVERSIZE,
            f"payload of {len(payload)} bytes, allowed {MIN_PAYLOAD}..{MAX_PAYLOAD}",
        )
    raw = payload + crc16(payload).to_bytes(2, "little")
    return b"\x00" + cobs_encode(raw) + b"\x00"


def decode_frame(encoded: bytes) -> bytes:
    """Payload of one frame given without its delimiters; raises FrameError."""
    raw = cobs_decode(encoded)
    if len(raw) < MIN_PAYLOAD + CRC_SIZE:
        raise FrameError(DropReason.SHORT, f"frame of {len(raw)} bytes", encoded)
    payload, crc = raw[:-CRC_SIZE], int.from_bytes(raw[-CRC_SIZE:], "little")
    if crc16(payload) != crc:
        raise FrameError(DropReason.CRC, "CRC mismatch", encoded)
    return payload


@dataclass(frozen=True, slots=True)
class Drop:
    """Bytes the deframer threw away: why, the first bytes, and how many."""

    reason: DropReason
    data: bytes
    size: int


class Deframer:
    """Cuts a byte stream into frame payloads; never raises on any input."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._head = b""
        self._discarding = 0

    @property
    def pending(self) -> int:
        """Bytes held for a frame that has not ended yet."""
        return len(self._buf) + self._discarding

    def feed(self, data: bytes) -> list[bytes | Drop]:
        """Payloads and drops completed by ``data``, in stream order."""
        out: list[bytes | Drop] = []
        start = 0
        while start < len(data):
            zero = data.find(0, start)
            end = len(data) if zero < 0 else zero
            self._take(data[start:end], out)
            if zero < 0:
                break
            self._end_frame(out)
            start = zero + 1
        return out

    def flush(self) -> list[bytes | Drop]:
        """Report an unfinished frame at the end of the stream as truncated."""
        size = self.pending
        data = self._head if self._discarding else bytes(self._buf)
        self._buf.clear()
        self._discarding = 0
        return [Drop(DropReason.TRUNCATED, data, size)] if size else []

    def _take(self, chunk: bytes, out: list[bytes | Drop]) -> None:
        if self._discarding:
            self._discarding += len(chunk)
            return
        self._buf += chunk
        if len(self._buf) > MAX_ENCODED:
            # Keep the head for the report; skip the rest up to the next zero.
            self._head = bytes(self._buf[:MAX_ENCODED])
            self._discarding = len(self._buf)
            self._buf.clear()

    def _end_frame(self, out: list[bytes | Drop]) -> None:
        if self._discarding:
            out.append(Drop(DropReason.OVERSIZE, self._head, self._discarding))
            self._discarding = 0
            return
        if not self._buf:
            return  # two delimiters in a row: idle fill, not an error
        encoded = bytes(self._buf)
        self._buf.clear()
        try:
            out.append(decode_frame(encoded))
        except FrameError as exc:
            out.append(Drop(exc.reason, encoded, len(encoded)))

"""The clicker receiver codec: bytes in, messages out, and back. No I/O.

:class:`Decoder` takes the byte stream in whatever pieces the transport
reads it, and returns every complete frame as a :class:`Frame` or, when bytes
had to be thrown away, a :class:`~edge.drivers.clicker.framing.Drop`. It
never raises, so one bad byte on the line cannot stop the gateway.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from edge.drivers.clicker.errors import DropReason, FrameError
from edge.drivers.clicker.framing import CRC_SIZE, Deframer, Drop, encode_frame
from edge.drivers.clicker.messages import MESSAGE_CLASSES, Message

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame: the sender's sequence number and its message."""

    seq: int
    message: Message


def encode(message: Message, seq: int) -> bytes:
    """A delimited frame carrying ``message`` with sequence number ``seq``."""
    if not 0 <= seq <= 0xFF:
        raise FrameError(DropReason.BAD_VALUE, f"sequence number {seq}")
    return encode_frame(bytes((message.TYPE, seq)) + message.encode_body())


def decode_payload(payload: bytes) -> Frame:
    """The frame carried by a checked payload (type, seq, body); raises FrameError."""
    cls = MESSAGE_CLASSES.get(payload[0])
    if cls is None:
        raise FrameError(
            DropReason.UNKNOWN_TYPE, f"unknown message type 0x{payload[0]:02x}", payload
        )
    try:
        return Frame(payload[1], cls.decode_body(payload[2:]))
    except FrameError as exc:
        raise FrameError(exc.reason, str(exc), payload) from exc


class Decoder:
    """Incremental decoder; counts every frame and every drop by reason."""

    def __init__(self, name: str = "clicker") -> None:
        self.name = name
        self._deframer = Deframer()
        self.frames = 0
        self.drops: Counter[DropReason] = Counter()
        self.dropped_bytes = 0

    def reset(self) -> None:
        """Forget a partial frame (a new link starts); keep the counters."""
        self._deframer = Deframer()

    def feed(self, data: bytes) -> list[Frame | Drop]:
        """Frames and drops completed by ``data``, in stream order; never raises."""
        return [self._decode(item) for item in self._deframer.feed(data)]

    def flush(self) -> list[Frame | Drop]:
        """End of stream: an unfinished frame becomes a truncated drop."""
        return [self._decode(d) for d in self._deframer.flush()]

    def _decode(self, item: bytes | Drop) -> Frame | Drop:
        if isinstance(item, Drop):
            return self._count(item)
        try:
            frame = decode_payload(item)
        except FrameError as exc:
            return self._count(Drop(exc.reason, item, len(item) + CRC_SIZE))
        self.frames += 1
        return frame

    def _count(self, drop: Drop) -> Drop:
        self.drops[drop.reason] += 1
        self.dropped_bytes += drop.size
        log.debug("%s: dropped %s bytes (%s)", self.name, drop.size, drop.reason)
        return drop

"""Captures of receiver traffic: one chunk of bytes per line, as hex.

A line is ``HEX`` or ``MILLISECONDS HEX`` (the hex may be spaced out in
bytes; ``edge.drivers.capture_text`` reads it); ``#`` starts a comment and
blank lines are skipped. The gateway's
recorder writes this format, and ``edge-gateway clicker decode`` reads it,
printing one JSON object per message and one ``error`` object per run of
dropped bytes.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import fields
from typing import Any

from edge.drivers.capture_text import parse_line
from edge.drivers.clicker.codec import Decoder, Frame
from edge.drivers.clicker.events import clicker_address
from edge.drivers.clicker.framing import Drop
from edge.drivers.clicker.messages import ErrorReport, Hello, MessageType

# Enough of a dropped frame to recognise it without flooding the output.
SHOWN_BYTES = 64
_CLICKER_FIELDS = ("clicker", "receiver_id")


def format_line(data: bytes, t_ms: int | None = None) -> str:
    """One capture line for a chunk read from the port."""
    return f"{data.hex()}\n" if t_ms is None else f"{t_ms} {data.hex()}\n"


def message_json(frame: Frame) -> dict[str, Any]:
    """A decoded frame as a flat JSON object with a ``type``."""
    message = frame.message
    out: dict[str, Any] = {"type": message.TYPE.name.lower(), "seq": frame.seq}
    for f in fields(message):
        out[f.name] = _json_value(f.name, getattr(message, f.name))
    if isinstance(message, Hello):
        out["firmware"] = message.firmware_text
    if isinstance(message, ErrorReport):
        out["code_name"] = message.code_name
    return out


def _json_value(name: str, value: Any) -> Any:
    if name in _CLICKER_FIELDS:
        return clicker_address(value)
    if name == "ref_type":
        known = MessageType._value2member_map_.get(value)
        return known.name.lower() if isinstance(known, MessageType) else value
    if isinstance(value, enum.Enum):
        return value.name.lower()
    return value


def drop_json(drop: Drop) -> dict[str, Any]:
    """Dropped bytes as an ``error`` object."""
    return {
        "type": "error",
        "reason": str(drop.reason),
        "bytes": drop.size,
        "data": drop.data[:SHOWN_BYTES].hex(),
    }


def decode_lines(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Every message and error of a capture, in order, as JSON objects."""
    decoder = Decoder("capture")
    for number, line in enumerate(lines, start=1):
        parsed = parse_line(line)
        if parsed is None:
            continue
        if isinstance(parsed, str):
            yield {
                "type": "error",
                "reason": "bad_line",
                "line": number,
                "detail": parsed,
            }
            continue
        t_ms, data = parsed
        for item in decoder.feed(data):
            yield _stamped(item, number, t_ms)
    for item in decoder.flush():
        yield _stamped(item, None, None)


def _stamped(item: Frame | Drop, line: int | None, t_ms: int | None) -> dict[str, Any]:
    out = message_json(item) if isinstance(item, Frame) else drop_json(item)
    if line is not None:
        out["line"] = line
    if t_ms is not None:
        out["t_ms"] = t_ms
    return out

"""Pen events as JSON objects: ``type`` plus the event's own fields."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from edge.drivers.pen.codec import PenEvent


def plain(value: Any) -> Any:
    """A JSON-ready copy: bytes as hex, enums as values, dataclasses as dicts."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def event_json(event: PenEvent, **extra: Any) -> dict[str, Any]:
    """A JSON-ready dict with ``type`` first, then the fields, then ``extra``."""
    out: dict[str, Any] = {"type": event.TYPE}
    out.update(plain(event))
    out.update(extra)
    return out

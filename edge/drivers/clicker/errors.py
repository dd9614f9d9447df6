"""Errors of the clicker receiver driver."""

from __future__ import annotations

import enum

from edge.errors import EdgeError, ProtocolError


class DropReason(enum.StrEnum):
    """Why the decoder threw bytes away; each reason has its own counter."""

    OVERSIZE = "oversize"
    COBS = "cobs"
    SHORT = "short"
    CRC = "crc"
    UNKNOWN_TYPE = "unknown_type"
    BAD_LENGTH = "bad_length"
    BAD_VALUE = "bad_value"
    TRUNCATED = "truncated"


class ClickerError(EdgeError):
    """Root of the clicker driver's errors."""


class FrameError(ClickerError, ProtocolError):
    """A frame or message body does not follow the clicker receiver protocol."""

    def __init__(self, reason: DropReason, message: str, data: bytes = b"") -> None:
        super().__init__(message)
        self.reason = reason
        self.data = data

"""Errors of the pen driver, one subclass per phase of a pen's life."""

from __future__ import annotations

from edge.errors import EdgeError, ProtocolError


class PenError(EdgeError):
    """Root of the pen driver's errors; carries the pen's address when known."""

    def __init__(self, message: str, pen: str = "") -> None:
        super().__init__(f"{pen}: {message}" if pen else message)
        self.pen = pen


class PenConnectError(PenError):
    """The pen could not be reached, or its GATT service was not found."""


class PenHandshakeError(PenError, ProtocolError):
    """The pen did not answer the handshake as protocol 2 requires."""


class PenAuthError(PenHandshakeError):
    """The pen is locked and the password was refused or missing."""


class PenCommandError(PenError, ProtocolError):
    """The pen answered a request with a failure RESULT, or not at all."""

    def __init__(self, message: str, pen: str = "", result: int | None = None) -> None:
        super().__init__(message, pen)
        self.result = result


class OfflineTransferError(PenError, ProtocolError):
    """Stored strokes could not be pulled from the pen; nothing was deleted."""

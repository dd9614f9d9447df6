"""Errors of provisioning: each names the field or file line at fault."""

from __future__ import annotations

from edge.errors import EdgeError


class ProvisionError(EdgeError):
    """A provisioning input is invalid or a step could not be completed."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.reason = message


class RosterError(ProvisionError):
    """A roster file has a bad line; the message names the file and line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source} line {line}: {message}")
        self.source = source
        self.line = line


class CertificateError(ProvisionError):
    """A key, certificate request or certificate is unusable."""

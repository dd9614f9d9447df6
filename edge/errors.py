"""One root exception for the gateway, with one subclass per phase.

Each subclass carries the facts an operator needs (file, device address,
offending bytes); the command line turns them into one clear line.
"""

from __future__ import annotations


class EdgeError(Exception):
    """Root of every error the gateway raises on purpose."""


class ConfigError(EdgeError):
    """The configuration file is missing, malformed or has an invalid value."""


class StoreError(EdgeError):
    """The local SQLite store could not do what was asked."""


class ProtocolError(EdgeError):
    """A device sent bytes that do not follow its wire protocol."""


class HomeworkError(EdgeError):
    """A question or assignment file is invalid."""


class GradingError(EdgeError):
    """An answer could not be parsed or compared with its key."""


class RecognitionError(EdgeError):
    """Ink could not be read (bad InkML, empty ink, broken model)."""


class UplinkError(EdgeError):
    """The link to the city platform failed or a message was rejected."""

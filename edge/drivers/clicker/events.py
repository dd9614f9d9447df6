"""Events the clicker driver hands to the gateway, whatever the transport.

Votes arrive as :class:`edge.models.Vote`; the receiver's own life (plugged,
unplugged, refused a command) and clicker batteries arrive as the types here.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.models import Vote


def clicker_address(clicker: int) -> str:
    """The printed form of a clicker id: eight upper-case hex digits."""
    return f"{clicker:08X}"


@dataclass(frozen=True, slots=True)
class ReceiverConnected:
    """The receiver answered on ``port``; ``gap_ms`` is how long it was gone."""

    port: str
    protocol: int
    firmware: str
    channel: int
    receiver_id: str
    gap_ms: int | None


@dataclass(frozen=True, slots=True)
class ReceiverDisconnected:
    """The receiver went away (unplugged, silent or failing) at ``at_ms``."""

    port: str
    reason: str
    at_ms: int


@dataclass(frozen=True, slots=True)
class ClickerBattery:
    """A clicker's battery level; ``percent`` is None when it cannot tell."""

    clicker: str
    percent: int | None
    millivolts: int
    rssi: int
    received_ms: int


@dataclass(frozen=True, slots=True)
class ReceiverFault:
    """The receiver refused a command, or never acknowledged it."""

    code: str
    command: str
    detail: str


ClickerEvent = (
    Vote | ReceiverConnected | ReceiverDisconnected | ClickerBattery | ReceiverFault
)

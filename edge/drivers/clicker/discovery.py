"""Which serial ports to try for the receiver, and how long to wait between tries."""

from __future__ import annotations

from dataclasses import dataclass

from edge.drivers.clicker.config import ClickerConfig


@dataclass(frozen=True, slots=True)
class PortInfo:
    """A serial port as the operating system lists it."""

    device: str
    vid: int | None = None
    pid: int | None = None
    description: str = ""


def candidate_ports(config: ClickerConfig, listed: list[PortInfo]) -> list[str]:
    """Ports to try in order: the configured one, known USB ids, then USB probes."""
    if config.port:
        return [config.port]
    known = [p.device for p in listed if (p.vid, p.pid) in config.usb_ids]
    # Only USB ports are probed: a HELLO_REQUEST sent to a modem or console on
    # a built-in UART could do harm, and receivers are always USB devices.
    probed = [p.device for p in listed if config.probe and p.vid is not None]
    return list(dict.fromkeys(known + probed))


def reconnect_delay(attempt: int, cap_s: float, first_s: float = 0.1) -> float:
    """Seconds to wait before reconnect attempt ``attempt`` (1, 2, ...)."""
    if attempt <= 0:
        return 0.0
    return float(min(cap_s, first_s * 2.0 ** min(attempt - 1, 16)))

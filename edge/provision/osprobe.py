"""What the operating system says about radios, ports and the clock.

Everything is read from files (sysfs, /dev, /run) under folders that
:class:`Probes` names, so tests point them at a prepared tree instead of
the real ones.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Probes:
    """Where to look for OS facts, and the clock to trust."""

    sys_dir: Path = Path("/sys")
    dev_dir: Path = Path("/dev")
    run_dir: Path = Path("/run")
    now: Callable[[], dt.datetime] = _utc_now
    timeout_s: float = 5.0


@dataclass(frozen=True, slots=True)
class Adapter:
    """A Bluetooth adapter (hciN) and whether a kill switch blocks it."""

    name: str
    soft_blocked: bool
    hard_blocked: bool


def bluetooth_adapters(probes: Probes) -> list[Adapter]:
    """Adapters listed in /sys/class/bluetooth, with their rfkill state."""
    folder = probes.sys_dir / "class" / "bluetooth"
    if not folder.is_dir():
        return []
    adapters = []
    for entry in sorted(folder.iterdir()):
        # Connections appear here too, as hci0:11 and so on: only hciN counts.
        if not entry.name.startswith("hci") or ":" in entry.name:
            continue
        soft = hard = False
        for switch in entry.glob("rfkill*"):
            soft = soft or _flag(switch / "soft")
            hard = hard or _flag(switch / "hard")
        adapters.append(Adapter(entry.name, soft, hard))
    return adapters


def _flag(path: Path) -> bool:
    try:
        return path.read_text().strip() == "1"
    except OSError:
        return False


def serial_candidates(probes: Probes) -> list[Path]:
    """USB serial ports a clicker receiver could be on, stable names first."""
    by_id = probes.dev_dir / "serial" / "by-id"
    stable = sorted(by_id.iterdir()) if by_id.is_dir() else []
    plain = sorted([*probes.dev_dir.glob("ttyACM*"), *probes.dev_dir.glob("ttyUSB*")])
    return [*stable, *plain]


@dataclass(frozen=True, slots=True)
class PortState:
    """Whether a serial port exists and this process may open it."""

    path: Path
    exists: bool
    openable: bool
    error: str = ""


def port_state(path: Path) -> PortState:
    """Try to open a port the way the driver will (no controlling terminal)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except FileNotFoundError:
        return PortState(path, False, False, "no such device")
    except OSError as exc:
        busy = exc.errno == errno.EBUSY
        return PortState(path, True, False, "in use" if busy else exc.strerror or "")
    os.close(fd)
    return PortState(path, True, True)


def clock_synchronized(probes: Probes) -> bool | None:
    """True once systemd-timesyncd has synced; None if it is not in use."""
    flag = probes.run_dir / "systemd" / "timesync" / "synchronized"
    if flag.exists():
        return True
    return False if (probes.run_dir / "systemd" / "timesync").is_dir() else None

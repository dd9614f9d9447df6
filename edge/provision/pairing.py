"""Binding pens and clickers to seats: by writing them down, a scan or a press.

Planning is pure: given the roster, the current bindings and what was asked,
:func:`plan_bindings` says exactly which bindings change. One student has at
most one pen and one clicker; a device moved to a new seat leaves its old one.

Live pairing goes through a :class:`DeviceSource`: something that reports the
next device the installer handles (a clicker pressed, a pen that writes on
the pairing card, or the nearest pen a scan sees).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from edge.models import Student
from edge.provision.errors import ProvisionError


@dataclass(frozen=True, slots=True)
class BindingChange:
    """One device (un)bound: ``student_id`` None unbinds."""

    kind: str
    device: str
    student_id: str | None
    seat: int | None
    previous_student: str | None

    def describe(self) -> str:
        """A line for the installer."""
        if self.student_id is None:
            return f"{self.kind} {self.device} unbound from {self.previous_student}"
        moved = f" (was {self.previous_student})" if self.previous_student else ""
        return (
            f"{self.kind} {self.device} -> seat {self.seat} ({self.student_id}){moved}"
        )


def plan_bindings(
    kind: str,
    students: Iterable[Student],
    current: Mapping[str, str],
    wanted: Iterable[tuple[int, str]],
    unbind: Iterable[str] = (),
) -> list[BindingChange]:
    """The binding changes that make ``wanted`` (seat, device) true."""
    by_seat = {s.seat: s for s in students if s.seat is not None}
    bindings = dict(current)
    changes: list[BindingChange] = []
    for device in unbind:
        if device in bindings:
            changes.append(
                BindingChange(kind, device, None, None, bindings.pop(device))
            )
    for seat, device in wanted:
        student = by_seat.get(seat)
        if student is None:
            raise ProvisionError(
                f"seat {seat} has no student; import the roster first", f"{kind}s"
            )
        changes.extend(_bind(kind, bindings, device, student))
    return changes


def _bind(
    kind: str, bindings: dict[str, str], device: str, student: Student
) -> list[BindingChange]:
    if bindings.get(device) == student.id:
        return []
    changes = [
        BindingChange(kind, other, None, None, sid)
        for other, sid in list(bindings.items())
        if sid == student.id and other != device
    ]
    for change in changes:
        del bindings[change.device]
    changes.append(
        BindingChange(kind, device, student.id, student.seat, bindings.get(device))
    )
    bindings[device] = student.id
    return changes


class DeviceSource(Protocol):
    """Reports the next device the installer handles, or None after a timeout."""

    def next_device(self, timeout_s: float) -> str | None:
        """The next device's address or id (normalised), or None."""
        ...


@dataclass(frozen=True, slots=True)
class SeenPen:
    """A pen heard during a scan."""

    address: str
    name: str
    rssi: int


PenScan = Callable[[float], Sequence[SeenPen]]

# A pen held against the gateway is far louder than any in a schoolbag; this
# threshold picks the one in the installer's hand.
NEAR_RSSI = -60


class NearestPenSource:
    """A DeviceSource over a scan: the loudest pen within reach, once each."""

    def __init__(
        self, scan: PenScan, window_s: float = 2.0, near_rssi: int = NEAR_RSSI
    ) -> None:
        self.scan = scan
        self.window_s = window_s
        self.near_rssi = near_rssi
        self.taken: set[str] = set()

    def next_device(self, timeout_s: float) -> str | None:
        """The nearest pen not yet handed out, scanning until ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            seen = [
                pen
                for pen in self.scan(min(self.window_s, timeout_s))
                if pen.rssi >= self.near_rssi and pen.address not in self.taken
            ]
            if seen:
                pen = max(seen, key=lambda p: p.rssi)
                self.taken.add(pen.address)
                return pen.address
            if time.monotonic() >= deadline:
                return None


Say = Callable[[str], None]


def pair_live(
    kind: str,
    students: Sequence[Student],
    source: DeviceSource,
    say: Say,
    timeout_s: float = 30.0,
) -> list[tuple[int, str]]:
    """Walk the seats in order, binding the device handled at each one."""
    action = (
        "press any key on the clicker" if kind == "clicker" else "write with the pen"
    )
    found: list[tuple[int, str]] = []
    used: dict[str, int] = {}
    for student in sorted(students, key=lambda s: s.seat or 0):
        if student.seat is None:
            continue
        say(f"Seat {student.seat} ({student.name}): {action} now.")
        device = _distinct(source, used, timeout_s, say)
        if device is None:
            say(
                f"Seat {student.seat}: nothing heard within {timeout_s:.0f} s, skipped."
            )
            continue
        used[device] = student.seat
        found.append((student.seat, device))
        say(f"Seat {student.seat}: {kind} {device}.")
    return found


def _distinct(
    source: DeviceSource, used: Mapping[str, int], timeout_s: float, say: Say
) -> str | None:
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        device = source.next_device(left)
        if device is None:
            return None
        if device not in used:
            return device
        say(f"{device} is already at seat {used[device]}; use another one.")
    return None

"""Binding pens and clickers: planning, live pairing and pen recognition."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import pytest

from edge.models import Student
from edge.provision import ProvisionError
from edge.provision.pairing import (
    NearestPenSource,
    SeenPen,
    pair_live,
    plan_bindings,
)

ROSTER = [Student("s01", "李华", "p1", 1), Student("s02", "王芳", "p2", 2)]


def test_plan_binds_moves_and_replaces() -> None:
    current = {"A": "s01", "B": "s02"}
    changes = plan_bindings("pen", ROSTER, current, [(2, "A")])
    assert [(c.device, c.student_id, c.previous_student) for c in changes] == [
        ("B", None, "s02"),  # s02's old pen leaves: one pen per student
        ("A", "s02", "s01"),
    ]
    assert plan_bindings("pen", ROSTER, current, [(1, "A")]) == []


def test_plan_unbinds_and_refuses_empty_seats() -> None:
    changes = plan_bindings("clicker", ROSTER, {"C": "s01"}, [], unbind=["C", "Z"])
    assert [(c.device, c.student_id) for c in changes] == [("C", None)]
    with pytest.raises(ProvisionError, match="seat 3 has no student"):
        plan_bindings("clicker", ROSTER, {}, [(3, "C")])


class ListSource:
    """Devices handed over in a fixed order (None: the installer waited)."""

    def __init__(self, devices: Sequence[str | None]) -> None:
        self.devices = deque(devices)

    def next_device(self, timeout_s: float) -> str | None:
        return self.devices.popleft() if self.devices else None


def test_pair_live_walks_the_seats_and_skips_repeats() -> None:
    said: list[str] = []
    found = pair_live("clicker", ROSTER, ListSource(["C1", "C1", "C2"]), said.append, 5)
    assert found == [(1, "C1"), (2, "C2")]
    assert any("already at seat 1" in line for line in said)


def test_pair_live_skips_a_silent_seat() -> None:
    said: list[str] = []
    found = pair_live("pen", ROSTER, ListSource([None, "P2"]), said.append, 5)
    assert found == [(2, "P2")]
    assert any("Seat 1: nothing heard" in line for line in said)


def test_nearest_pen_is_the_loudest_one_in_reach() -> None:
    scans = deque(
        [
            [SeenPen("FAR", "Pen", -80)],
            [SeenPen("NEAR", "Pen", -40), SeenPen("MID", "Pen", -55)],
            [SeenPen("NEAR", "Pen", -38)],
        ]
    )
    source = NearestPenSource(lambda t: scans.popleft() if scans else [], 0.01)
    assert source.next_device(5) == "NEAR"
    assert source.next_device(0.05) is None  # NEAR is taken, nothing else near

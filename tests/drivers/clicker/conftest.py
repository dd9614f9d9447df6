"""A receiver emulator on a pseudo-terminal, and the gateway's side of it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.drivers.clicker.config import ClickerConfig
from edge.sim.clicker_receiver import EmulatedReceiver


class EventLog:
    """Events the driver delivered, collected from its thread."""

    def __init__(self) -> None:
        self._events: list[Any] = []
        self._cond = threading.Condition()

    def __call__(self, event: Any) -> None:
        with self._cond:
            self._events.append(event)
            self._cond.notify_all()

    def of(self, kind: type) -> list[Any]:
        with self._cond:
            return [e for e in self._events if isinstance(e, kind)]

    def wait_for(self, check: Callable[[EventLog], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not check(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True


@pytest.fixture
def link(tmp_path: Path) -> Path:
    return tmp_path / "ttyCLICKER"


@pytest.fixture
def config(link: Path) -> ClickerConfig:
    # Times shortened tenfold so link faults are found within a test's budget.
    return ClickerConfig(
        port=str(link),
        heartbeat_s=0.1,
        silence_s=0.6,
        hello_timeout_s=0.3,
        retry_s=0.2,
        reconnect_max_s=0.2,
    )


@pytest.fixture
def emulator(link: Path) -> Iterator[EmulatedReceiver]:
    receiver = EmulatedReceiver(link, heartbeat_s=0.1, retransmit_s=0.15)
    receiver.plug()
    yield receiver
    receiver.close()

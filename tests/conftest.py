"""Fixtures shared by the whole suite."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.store import Store


class FakeClock:
    """A settable millisecond clock for tests that control time."""

    def __init__(self, start_ms: int = 1_780_000_000_000) -> None:
        self.now_ms = start_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, ms: int) -> None:
        self.now_ms += ms


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    s = Store(tmp_path / "gateway.db", "gw-test", clock=clock)
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Command-line tests set up logging on pytest's captured stderr; undo it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)

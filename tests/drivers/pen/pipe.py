"""A radio-free link between a PenSession and an emulated pen, for session tests.

The host side writes frames; the emulated pen answers with frames that come
back split into MTU-sized notifications, each delivered on a later loop turn
as a radio would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from edge.drivers.pen.frames import split_notifications
from edge.drivers.pen.pen_model import PenModel
from edge.models import Stroke

T = TypeVar("T")


def run(coro: Awaitable[T], timeout: float = 20.0) -> T:
    """Run one coroutine to completion with a safety timeout."""

    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


class PipeTransport:
    """Connects a session's writes to a PenModel and its answers back."""

    def __init__(self, model: PenModel, mtu: int = 23, silent: bool = False) -> None:
        self.model = model
        self.mtu = mtu
        self.silent = silent
        self.writes: list[bytes] = []
        self.deliver: Callable[[bytes], None] | None = None
        model.connect()

    async def write(self, data: bytes) -> None:
        self.writes.append(data)
        if self.silent:
            return
        for frame in self.model.receive(data):
            self._notify(frame)
        await asyncio.sleep(0)

    def pen_writes(self, stroke: Stroke) -> None:
        """The student writes a stroke: live if streaming, else stored."""
        frames = self.model.live_frames(stroke)
        if frames is None:
            self.model.store(stroke)
            return
        for frame in frames:
            self._notify(frame)

    def _notify(self, frame: bytes) -> None:
        loop = asyncio.get_running_loop()
        assert self.deliver is not None
        for piece in split_notifications(frame, self.mtu):
            loop.call_soon(self.deliver, piece)


class MemorySink:
    """A stroke sink that keeps what it was given; can fail on demand."""

    def __init__(self, fail_times: int = 0) -> None:
        self.strokes: list[Stroke] = []
        self.calls = 0
        self.fail_times = fail_times

    async def __call__(self, strokes: Sequence[Stroke]) -> None:
        self.calls += 1
        await asyncio.sleep(0)
        if self.fail_times:
            self.fail_times -= 1
            raise OSError("disk full")
        self.strokes.extend(strokes)

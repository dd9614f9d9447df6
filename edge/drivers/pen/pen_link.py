"""One bound pen as the manager sees it, and one visit to it over a link.

A visit connects, hands the link to a :class:`PenSession`, does the
handshake, turns live dots on (so that ink written during the visit streams
instead of growing the storage being pulled), pulls stored strokes, and then
either stays (a live pen) or leaves once the pen is lifted (round robin).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bleak.backends.device import BLEDevice

from edge.drivers.pen.capture import CaptureRecorder
from edge.drivers.pen.session import PenSession, SessionConfig, StrokeSink
from edge.models import Stroke

log = logging.getLogger(__name__)

# Keys of recently committed strokes kept per pen to skip repeats; a repeat
# happens when a link drops between the commit and the delete on the pen.
RECENT_KEYS = 20_000


class Link(Protocol):
    """What a visit needs of a link (``BleakPenLink`` in production)."""

    lost: asyncio.Event

    async def write(self, data: bytes) -> None:
        """Send bytes to the pen."""

    async def close(self) -> None:
        """Disconnect."""


class StrokeKeys:
    """A bounded memory of committed strokes, to recognise repeats."""

    def __init__(self, size: int = RECENT_KEYS) -> None:
        self._order: deque[tuple[int, int, int]] = deque()
        self._keys: set[tuple[int, int, int]] = set()
        self._size = size

    @staticmethod
    def key(stroke: Stroke) -> tuple[int, int, int]:
        """Identity of a stroke: its start, end and number of dots."""
        return stroke.start_ms, stroke.end_ms, len(stroke.dots)

    def add(self, strokes: Sequence[Stroke]) -> None:
        """Remember these strokes, forgetting the oldest beyond the bound."""
        for stroke in strokes:
            key = self.key(stroke)
            if key in self._keys:
                continue
            self._keys.add(key)
            self._order.append(key)
            if len(self._order) > self._size:
                self._keys.discard(self._order.popleft())

    def seen(self, stroke: Stroke) -> bool:
        """Whether this stroke was committed before."""
        return self.key(stroke) in self._keys


@dataclass(eq=False)
class PenState:
    """A bound pen: where it is served, its link and session, its counters."""

    address: str
    student: str
    priority: int
    adapter: str | None = None
    live: bool = False
    devices: dict[str, BLEDevice] = field(default_factory=dict)
    seen_at: float = float("-inf")
    visited_at: float = float("-inf")
    not_before: float = 0.0
    failures: int = 0
    demotions: int = 0
    ready: bool = False
    link: Link | None = None
    session: PenSession | None = None
    watcher: asyncio.Task[None] | None = None
    keys: StrokeKeys = field(default_factory=StrokeKeys)
    recorder: CaptureRecorder | None = None
    strokes: int = 0
    visits: int = 0

    def notify(self, data: bytearray) -> None:
        """Hand a notification to the current session."""
        if self.session is not None:
            self.session.on_notification(data)

    def sink_for(self, sink: StrokeSink) -> StrokeSink:
        """The gateway sink, remembering what this pen had committed."""

        async def commit(strokes: Sequence[Stroke]) -> None:
            """Commit through the gateway, then remember the strokes."""
            await sink(strokes)
            self.keys.add(strokes)
            self.strokes += len(strokes)

        return commit

    async def end_session(self) -> None:
        """Close the session (committing what it holds) and stop watching."""
        watcher, self.watcher = self.watcher, None
        if watcher is not None and watcher is not asyncio.current_task():
            watcher.cancel()
        session, self.session = self.session, None
        recorder, self.recorder = self.recorder, None
        self.ready = False
        if session is not None:
            await session.close()
        if recorder is not None:
            recorder.close()

    async def shutdown(self) -> None:
        """End the session and the link, as the gateway stops."""
        link = self.link
        await self.end_session()
        if link is not None:
            await link.close()
        self.link = None

    def status(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {
            "pen": self.address, "student": self.student, "adapter": self.adapter,
            "mode": "live" if self.live else "round_robin",
            "seen": bool(self.devices),
            "connected": self.link is not None and self.ready,
            "strokes": self.strokes, "visits": self.visits,
            "failures": self.failures, "demotions": self.demotions,
        }  # fmt: skip


async def run_visit(
    pen: PenState,
    link: Link,
    *,
    sink: StrokeSink,
    clock: Callable[[], int],
    config: SessionConfig,
    live: bool,
    idle_wait_s: float,
    on_drop: Callable[[PenState], None],
    recorder: CaptureRecorder | None = None,
) -> None:
    """Serve a pen over an open link: set up, pull, then stay or leave."""
    session = pen.session
    if session is None:
        session = new_session(pen, link, sink, clock, config, recorder)
    pen.watcher = asyncio.create_task(_watch(pen, link, session, on_drop))
    await session.handshake()
    await session.start_live()
    report = await session.sync_offline(already=pen.keys.seen)
    while report.more:
        report = await session.sync_offline(already=pen.keys.seen)
    pen.failures, pen.ready = 0, True
    pen.visits += 1
    if live:
        return
    if not await session.idle(idle_wait_s):
        log.info("%s: still writing after %.1f s; leaving", pen.address, idle_wait_s)
    await pen.end_session()
    await link.close()


def new_session(
    pen: PenState,
    link: Link,
    sink: StrokeSink,
    clock: Callable[[], int],
    config: SessionConfig,
    recorder: CaptureRecorder | None = None,
) -> PenSession:
    """A session for the pen's next link; set before the link subscribes."""
    if pen.recorder is not None:
        pen.recorder.close()
    session = PenSession(
        pen.address, link, pen.sink_for(sink), clock=clock, config=config,
        recorder=recorder,
    )  # fmt: skip
    pen.session, pen.recorder = session, recorder
    return session


async def _watch(
    pen: PenState,
    link: Link,
    session: PenSession,
    on_drop: Callable[[PenState], None],
) -> None:
    await link.lost.wait()
    was_ready = pen.ready
    if pen.session is session:
        await pen.end_session()
    else:
        await session.close()
    await link.close()
    # A drop during set-up fails the set-up itself, which reschedules the pen.
    if was_ready:
        log.info("%s: link dropped; strokes so far committed", pen.address)
        on_drop(pen)

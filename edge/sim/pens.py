"""Simulated pens that speak the real protocol.

Each stroke a simulated student writes is turned into the notifications a
real pen would send, then decoded by the gateway's own pen decoder and
stroke assembler, so the demo exercises the same path as a classroom.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from edge.drivers.pen.codec import PenDecoder
from edge.drivers.pen.emulate import LivePen
from edge.drivers.pen.strokes import StrokeAssembler
from edge.models import Stroke

log = logging.getLogger(__name__)

StrokeSink = Callable[[Sequence[Stroke]], Awaitable[None]]


@dataclass
class _Link:
    pen: LivePen
    decoder: PenDecoder
    assembler: StrokeAssembler
    sent: int = 0
    received: int = 0
    strokes: list[Stroke] = field(default_factory=list)


class PenChannel:
    """Carries simulated strokes as pen notifications into a stroke sink."""

    def __init__(self, sink: StrokeSink) -> None:
        self.sink = sink
        self._links: dict[str, _Link] = {}

    def _link(self, address: str) -> _Link:
        link = self._links.get(address)
        if link is None:
            link = _Link(LivePen(), PenDecoder(address), StrokeAssembler(address))
            self._links[address] = link
        return link

    async def send(self, address: str, stroke: Stroke) -> None:
        """Send one stroke over the simulated link and commit what arrives."""
        link = self._link(address)
        decoded: list[Stroke] = []
        for notification in link.pen.notifications([stroke]):
            for event in link.decoder.feed(notification):
                decoded.extend(link.assembler.feed(event))
        link.sent += 1
        link.received += len(decoded)
        if decoded:
            await self.sink(decoded)

    async def close(self) -> None:
        """Disconnect every pen; a stroke still open is closed and committed."""
        for address, link in self._links.items():
            rest = link.assembler.close()
            if rest:
                await self.sink(rest)
            if link.decoder.stats.dropped_bytes or link.decoder.stats.gaps:
                log.warning(
                    "%s: decoder dropped %s bytes, %s counter gaps",
                    address,
                    link.decoder.stats.dropped_bytes,
                    link.decoder.stats.gaps,
                )

    def counts(self) -> dict[str, int]:
        """Strokes sent and strokes decoded over all simulated pens."""
        return {
            "sent": sum(link.sent for link in self._links.values()),
            "received": sum(link.received for link in self._links.values()),
        }

"""Live traffic a real pen would send for given strokes (pure).

Used by the demo's simulated classroom and by the tests' emulated pens, so
that simulated ink travels through the same decoder and stroke assembler as
real ink.
"""

from __future__ import annotations

from collections.abc import Iterable

from edge.drivers.pen.codec import PenMessage, encode_message
from edge.drivers.pen.frames import split_notifications
from edge.drivers.pen.messages import DotEvent, Paper, PenDown, PenUp
from edge.models import Stroke

# Black, fully opaque: what pens report for their default ink.
DEFAULT_COLOR = 0xFF000000
DEFAULT_MTU = 23


class LivePen:
    """Turns strokes into live events and notifications, keeping the counter.

    Keep one per pen and call it stroke after stroke: the event counter then
    runs on as a real pen's does, so the decoder sees no gaps.
    """

    def __init__(
        self,
        *,
        mtu: int = DEFAULT_MTU,
        first_count: int = 0,
        packed: bool = False,
        color: int = DEFAULT_COLOR,
    ) -> None:
        self.mtu = mtu
        self.count = first_count & 0xFF
        self.packed = packed
        self.color = color

    def events(self, strokes: Iterable[Stroke]) -> list[PenMessage]:
        """Down, paper, dots and up for every stroke; ValueError on bad dots."""
        out: list[PenMessage] = []
        for stroke in strokes:
            out.extend(self._stroke(stroke))
        return out

    def notifications(self, strokes: Iterable[Stroke]) -> list[bytes]:
        """The notification values carrying ``strokes``, each <= MTU - 3 bytes.

        With ``packed`` False each frame starts a new notification (long ones
        spill into the next); with ``packed`` True frames run together and
        notifications are filled to the brim, so frames straddle them.
        """
        frames = [encode_message(e) for e in self.events(strokes)]
        if self.packed:
            return split_notifications(b"".join(frames), self.mtu)
        return [piece for f in frames for piece in split_notifications(f, self.mtu)]

    def _next(self) -> int:
        count = self.count
        self.count = (count + 1) & 0xFF
        return count

    def _stroke(self, stroke: Stroke) -> list[PenMessage]:
        page = stroke.page
        start = stroke.start_ms
        out: list[PenMessage] = [
            PenDown(self._next(), start, 0, self.color),
            Paper(self._next(), page.section, page.owner, page.book, page.page),
        ]
        previous = start
        for dot in stroke.dots:
            dt = dot.t_ms - previous
            if not 0 <= dt <= 0xFF:
                raise ValueError(f"dot gap of {dt} ms does not fit the one-byte dt")
            out.append(DotEvent(self._next(), dt, dot.force, dot.x, dot.y))
            previous = dot.t_ms
        n = len(stroke.dots)
        out.append(PenUp(self._next(), stroke.end_ms or start, n, n, n, n, n))
        return out


def live_notifications(
    strokes: Iterable[Stroke],
    *,
    mtu: int = DEFAULT_MTU,
    first_count: int = 0,
    packed: bool = False,
) -> list[bytes]:
    """Notification values a pen sends in live mode for ``strokes``.

    One call is one uninterrupted stretch of a pen's traffic; use
    :class:`LivePen` to continue the event counter across calls.
    """
    pen = LivePen(mtu=mtu, first_count=first_count, packed=packed)
    return pen.notifications(strokes)

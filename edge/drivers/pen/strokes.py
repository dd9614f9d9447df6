"""Stroke assembly: live pen events in, closed strokes with page and times out.

Pure: no clock is read unless one is handed in, and nothing is raised for
odd event orders. Each oddity is counted in :attr:`StrokeAssembler.issues`
and logged, and the ink is kept whenever it can be placed on a page.
"""

from __future__ import annotations

import enum
import logging
from collections import Counter
from collections.abc import Callable

from edge.drivers.pen.codec import EventGap, PenEvent
from edge.drivers.pen.messages import DotEvent, Paper, PenDown, PenUp
from edge.models import Dot, PageAddress, Stroke

log = logging.getLogger(__name__)

# Pen times below this mean the pen clock was never set (vendor SDK rule).
MIN_VALID_TIME_MS = 10_000


class Issue(enum.StrEnum):
    """Odd event orders the assembler met, named as they appear in counters."""

    CLOSED_BY_DOWN = "closed_by_down"
    CLOSED_BY_PAPER = "closed_by_paper"
    CLOSED_BY_DISCONNECT = "closed_by_disconnect"
    EMPTY_STROKE = "empty_stroke"
    UP_WITHOUT_DOWN = "up_without_down"
    MISSING_DOWN = "missing_down"
    NO_PAGE = "no_page"
    INVALID_CLOCK = "invalid_clock"
    DOTS_MISSING = "dots_missing"
    EVENT_GAP = "event_gap"


class StrokeAssembler:
    """Builds strokes for one pen from its decoded live events."""

    def __init__(self, pen: str, now_ms: Callable[[], int] | None = None) -> None:
        self.pen = pen
        self.issues: Counter[Issue] = Counter()
        self._now = now_ms
        self._page: PageAddress | None = None
        self._down = False
        self._t = 0
        self._offset = 0
        self._dots: list[Dot] = []
        self._stroke_dots = 0

    @property
    def open(self) -> bool:
        """Whether a pen-down has been seen and its pen-up has not."""
        return self._down

    def feed(self, event: PenEvent) -> list[Stroke]:
        """Strokes closed by this event (usually none, one at a pen-up)."""
        if isinstance(event, DotEvent):
            self._dot(event)
            return []
        if isinstance(event, PenDown):
            return self._pen_down(event)
        if isinstance(event, PenUp):
            return self._pen_up(event)
        if isinstance(event, Paper):
            return self._paper(event)
        if isinstance(event, EventGap):
            self._report(Issue.EVENT_GAP, f"{event.lost} events lost")
        return []

    def close(self) -> list[Stroke]:
        """Close an open stroke at its last dot, as when the link drops."""
        out = self._finish(Issue.CLOSED_BY_DISCONNECT)
        self._down, self._page = False, None
        return out

    def _pen_down(self, event: PenDown) -> list[Stroke]:
        out = self._finish(Issue.CLOSED_BY_DOWN)
        self._down, self._t, self._offset = True, event.time, 0
        self._stroke_dots = 0
        if event.time < MIN_VALID_TIME_MS:
            self._report(Issue.INVALID_CLOCK, f"pen-down at {event.time} ms")
            self._offset = self._gateway_time() - event.time
        return out

    def _paper(self, event: Paper) -> list[Stroke]:
        page = PageAddress(event.section, event.owner, event.book, event.page)
        # The page changed under an open stroke: close it, carry on after it.
        out = self._finish(Issue.CLOSED_BY_PAPER) if page != self._page else []
        self._page = page
        return out

    def _dot(self, event: DotEvent) -> None:
        if self._page is None:
            self._report(Issue.NO_PAGE, f"dot at {event.x},{event.y} dropped")
            return
        if not self._down:
            self._report(Issue.MISSING_DOWN, "dot without pen-down")
            self._down, self._stroke_dots = True, 0
            self._t, self._offset = self._gateway_time(), 0
        self._t += event.dt
        self._stroke_dots += 1
        self._dots.append(Dot(event.x, event.y, event.force, self._t + self._offset))

    def _pen_up(self, event: PenUp) -> list[Stroke]:
        if not self._down:
            self._report(Issue.UP_WITHOUT_DOWN, f"pen-up at {event.time}")
            return []
        self._down = False
        if event.dots and event.dots != self._stroke_dots:
            detail = f"pen sent {event.dots} dots, {self._stroke_dots} arrived"
            self._report(Issue.DOTS_MISSING, detail)
        if not self._dots:
            self._report(Issue.EMPTY_STROKE, f"pen-up at {event.time} without dots")
            return []
        return self._finish(None)

    def _finish(self, reason: Issue | None) -> list[Stroke]:
        if not self._dots or self._page is None:
            return []
        if reason is not None:
            self._report(reason, f"{len(self._dots)} dots kept")
        stroke = Stroke(self.pen, self._page, tuple(self._dots))
        self._dots = []
        return [stroke]

    def _gateway_time(self) -> int:
        return self._now() if self._now is not None else self._t

    def _report(self, issue: Issue, detail: str) -> None:
        self.issues[issue] += 1
        log.info("%s: %s (%s)", self.pen, issue, detail)

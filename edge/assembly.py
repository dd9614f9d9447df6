"""Answer assembly: which stroke belongs to which question, and when it is done.

Pure logic over strokes and a clock value. A stroke belongs to the question
whose answer region (page address and rectangle) holds the centre of its
bounding box. An answer is complete when its student writes in another
region, moves to another page, or leaves it idle for ``idle_ms``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from edge.models import Assignment, PageAddress, Question, Stroke

# Students often start writing a little outside a printed box; a margin of
# about 2 Ncode units (5 mm) keeps their first stroke with its question.
REGION_MARGIN = 2.0


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a stroke landed: its assignment and question, if any."""

    assignment_id: str | None
    question_id: str | None


@dataclass(slots=True)
class _OpenAnswer:
    assignment_id: str
    question: Question
    student_id: str
    strokes: list[Stroke] = field(default_factory=list)
    last_ms: int = 0


@dataclass(frozen=True, slots=True)
class CompletedAnswer:
    """All strokes a student wrote in one answer region in one sitting."""

    assignment_id: str
    question: Question
    student_id: str
    strokes: tuple[Stroke, ...]


class RegionIndex:
    """Finds the question whose answer region holds a point on a page."""

    def __init__(self, assignments: Iterable[Assignment]) -> None:
        self._by_page: dict[PageAddress, list[tuple[str, Question]]] = {}
        for assignment in assignments:
            for question in assignment.questions:
                if question.region is not None:
                    self._by_page.setdefault(question.region.page, []).append(
                        (assignment.id, question)
                    )

    def locate(self, stroke: Stroke) -> tuple[str, Question] | None:
        """The (assignment id, question) a stroke was written for."""
        if not stroke.dots:
            return None
        x0, y0, x1, y1 = stroke.bounds()
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        best: tuple[float, tuple[str, Question]] | None = None
        for assignment_id, question in self._by_page.get(stroke.page, []):
            assert question.region is not None
            r = question.region.rect
            dx = max(r.x - cx, 0.0, cx - (r.x + r.width))
            dy = max(r.y - cy, 0.0, cy - (r.y + r.height))
            distance = max(dx, dy)
            if distance <= REGION_MARGIN and (best is None or distance < best[0]):
                best = (distance, (assignment_id, question))
        return None if best is None else best[1]


class AnswerAssembler:
    """Groups each student's strokes into answers and says when one is complete."""

    def __init__(self, index: RegionIndex, idle_ms: int) -> None:
        self.index = index
        self.idle_ms = idle_ms
        self._open: dict[str, _OpenAnswer] = {}

    def add(
        self, stroke: Stroke, student_id: str, arrived_ms: int = 0
    ) -> tuple[Placement, list[CompletedAnswer]]:
        """Place one stroke; returns its placement and any answers it completed.

        An answer idles from the later of its last pen-up and the arrival of
        its last stroke, so ink that reaches the gateway late (offline sync,
        a busy worker) does not close an answer early.
        """
        done: list[CompletedAnswer] = []
        found = self.index.locate(stroke)
        current = self._open.get(student_id)
        if current is not None and (
            found is None
            or (current.assignment_id, current.question.id) != (found[0], found[1].id)
        ):
            done.append(self._close(student_id))
            current = None
        if found is None:
            return Placement(None, None), done

        assignment_id, question = found
        if current is None:
            current = _OpenAnswer(assignment_id, question, student_id)
            self._open[student_id] = current
        current.strokes.append(stroke)
        current.last_ms = max(current.last_ms, stroke.end_ms, arrived_ms)
        return Placement(assignment_id, question.id), done

    def due(self, now_ms: int) -> list[CompletedAnswer]:
        """Answers whose student has been idle for ``idle_ms`` by ``now_ms``."""
        idle = [s for s, a in self._open.items() if now_ms - a.last_ms >= self.idle_ms]
        return [self._close(s) for s in idle]

    def next_due_ms(self) -> int | None:
        """When the first open answer falls idle; None while none is open."""
        if not self._open:
            return None
        return min(a.last_ms for a in self._open.values()) + self.idle_ms

    def flush(self) -> list[CompletedAnswer]:
        """Close every open answer (at shutdown or when a pen disconnects)."""
        return [self._close(s) for s in list(self._open)]

    def _close(self, student_id: str) -> CompletedAnswer:
        a = self._open.pop(student_id)
        return CompletedAnswer(
            a.assignment_id, a.question, a.student_id, tuple(a.strokes)
        )

"""Assignments and the question library as the analytics need them.

The store keeps each assignment's source document. The analytics read only a
few of its fields (questions with type, answer, options, points, knowledge
points, layer), so this module turns a stored document into the shared
``Assignment`` type leniently: a field it does not use cannot break a report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from edge.analytics.errors import AnalyticsError
from edge.errors import EdgeError
from edge.models import Assignment, Question, QuestionType

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LibraryItem:
    """A question that can be set for practice, with where it comes from."""

    key: str
    assignment_id: str
    question: Question
    minutes: float


def assignment_from_body(body: Mapping[str, Any]) -> Assignment:
    """An ``Assignment`` from a stored source document.

    The homework loader builds it when it accepts the document (keeping
    tolerances, units and forms, which answer grouping needs); otherwise the
    fields the analytics use are read leniently and pages are left empty.
    """
    try:
        from edge.homework.build import build_assignment

        return build_assignment("<store>", dict(body))
    except (ImportError, EdgeError, KeyError, TypeError, ValueError, AttributeError):
        pass
    return _lenient_assignment(body)


def _lenient_assignment(body: Mapping[str, Any]) -> Assignment:
    try:
        questions = tuple(_question(q) for q in body.get("questions", ()))
        return Assignment(
            id=str(body["id"]),
            subject=str(body.get("subject", "")),
            grade=int(body.get("grade", 0)),
            title=str(body.get("title", body["id"])),
            estimated_minutes=float(body.get("estimated_minutes", 0.0)),
            pages=(),
            questions=questions,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        name = body.get("id", "?") if isinstance(body, Mapping) else "?"
        raise AnalyticsError(f"stored assignment {name} is unreadable: {exc}") from exc


def _question(raw: Mapping[str, Any]) -> Question:
    options = raw.get("options") or ()
    if isinstance(options, Mapping):
        options = tuple(options)
    kps = raw.get("knowledge_points") or ()
    if isinstance(kps, str):
        kps = (kps,)
    difficulty = raw.get("difficulty")
    return Question(
        id=str(raw["id"]),
        type=QuestionType(str(raw.get("type", "text"))),
        answer=str(raw.get("answer", "")),
        accept=tuple(str(a) for a in raw.get("accept") or ()),
        options=tuple(str(o) for o in options),
        multiple=bool(raw.get("multiple", False)),
        points=float(raw.get("points", 1.0)),
        knowledge_points=tuple(str(k) for k in kps),
        prompt=str(raw.get("prompt", "")),
        difficulty=None if difficulty is None else float(difficulty),
        layer=None if raw.get("layer") is None else str(raw["layer"]),
    )


def readable_sheets(bodies: Iterable[Mapping[str, Any]]) -> list[Assignment]:
    """The stored documents that can be read; the others are logged and skipped."""
    sheets = []
    for body in bodies:
        try:
            sheets.append(assignment_from_body(body))
        except AnalyticsError as exc:
            log.warning("%s; left out of the analytics", exc)
    return sheets


def choice_letters(question: Question) -> tuple[str, ...]:
    """The option letters of a choice question (A, B, ... one per option)."""
    count = len(question.options) or 4
    return tuple(chr(ord("A") + i) for i in range(min(count, 26)))


# Minutes a question of each type takes when nothing better is known; from
# grade-8 practice sheets, where a choice item is about a minute.
_TYPE_MINUTES = {
    QuestionType.CHOICE: 1.0,
    QuestionType.NUMERIC: 2.0,
    QuestionType.QUANTITY: 2.5,
    QuestionType.EXPRESSION: 3.0,
    QuestionType.EQUATION: 3.0,
    QuestionType.TEXT: 3.0,
}


def question_minutes(question: Question, assignment: Assignment) -> float:
    """Expected minutes for a question: its share of the sheet's estimate."""
    if assignment.estimated_minutes > 0 and assignment.questions:
        total_points = sum(q.points for q in assignment.questions) or 1.0
        return assignment.estimated_minutes * question.points / total_points
    return _TYPE_MINUTES.get(question.type, 2.0)


def library_from_assignments(assignments: Iterable[Assignment]) -> list[LibraryItem]:
    """Every question of the given assignments as practice items."""
    return [
        LibraryItem(f"{a.id}/{q.id}", a.id, q, question_minutes(q, a))
        for a in assignments
        for q in a.questions
    ]

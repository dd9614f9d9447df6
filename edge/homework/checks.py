"""Checks a schema cannot express: unique ids, answer boxes, keys, knowledge points.

Each key is graded against itself: a key the grader cannot read, or one that
breaks its own required form, is caught when the file loads, not in class.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from edge.errors import GradingError
from edge.homework.errors import HomeworkFileError
from edge.homework.knowledge import knowledge_graph
from edge.inference.grading import grade
from edge.inference.grading.choice import check_choice_key
from edge.inference.grading.quantity import parse_quantity
from edge.models import Assignment, Question, QuestionType, Rect

PAGE_WIDTH = 88.6
"""Width of an A4 page in Ncode units (210 mm / 2.371 mm)."""
PAGE_HEIGHT = 125.3
"""Height of an A4 page in Ncode units (297 mm / 2.371 mm)."""


def _label(question: Question, index: int) -> str:
    return f"{question.id} (#{index + 1})"


def check_questions(path: Path | str, questions: Sequence[Question]) -> None:
    """Raise HomeworkFileError for duplicate ids, unreadable keys, unknown points."""
    seen: set[str] = set()
    graph = knowledge_graph()
    for index, question in enumerate(questions):
        label = _label(question, index)
        if question.id in seen:
            raise HomeworkFileError(path, "duplicate question id", label, "id")
        seen.add(question.id)
        for point in question.knowledge_points:
            if point not in graph.nodes:
                raise HomeworkFileError(
                    path,
                    f"unknown knowledge point {point!r}",
                    label,
                    "knowledge_points",
                )
        _check_key(path, question, label)


def _check_key(path: Path | str, question: Question, label: str) -> None:
    if question.type is QuestionType.CHOICE:
        try:
            check_choice_key(question)
        except ValueError as exc:
            raise HomeworkFileError(path, str(exc), label, "answer") from exc
    for field, key in [("answer", question.answer)] + [
        (f"accept.{i}", k) for i, k in enumerate(question.accept)
    ]:
        verdict = grade(question, _as_answer(question, key))
        if not verdict.correct:
            raise HomeworkFileError(
                path,
                f"the key {key!r} does not pass its own grading: {verdict.reason}",
                label,
                field,
            )


def _as_answer(question: Question, key: str) -> str:
    """The key as a student would write it: a quantity with its unit."""
    if question.type is not QuestionType.QUANTITY or not question.unit:
        return key
    try:
        has_unit = parse_quantity(key).unit is not None
    except GradingError:
        return key
    return key if has_unit else key + question.unit


def check_assignment(
    path: Path | str, assignment: Assignment, document: dict[str, Any]
) -> None:
    """All question checks plus answer boxes that fit their page and do not overlap."""
    check_questions(path, assignment.questions)
    if len(set(assignment.pages)) != len(assignment.pages):
        raise HomeworkFileError(path, "a page address is listed twice", field="pages")
    placed: list[tuple[Question, Rect, int]] = []
    for index, question in enumerate(assignment.questions):
        region = question.region
        if region is None:
            continue
        label = _label(question, index)
        if region.page not in assignment.pages:
            raise HomeworkFileError(
                path,
                f"page {region.page} is not a page of the assignment",
                label,
                "region.page",
            )
        _check_box(path, region.rect, label)
        for other, rect, other_index in placed:
            if (
                other.region
                and other.region.page == region.page
                and _overlap(rect, region.rect)
            ):
                raise HomeworkFileError(
                    path,
                    "answer box overlaps that of question "
                    + _label(other, other_index),
                    label,
                    "region",
                )
        placed.append((question, region.rect, index))


def _check_box(path: Path | str, rect: Rect, label: str) -> None:
    if rect.x + rect.width > PAGE_WIDTH or rect.y + rect.height > PAGE_HEIGHT:
        raise HomeworkFileError(
            path,
            f"answer box leaves the A4 page ({PAGE_WIDTH} x {PAGE_HEIGHT} units)",
            label,
            "region",
        )


def _overlap(a: Rect, b: Rect) -> bool:
    return (
        a.x < b.x + b.width
        and b.x < a.x + a.width
        and a.y < b.y + b.height
        and b.y < a.y + a.height
    )

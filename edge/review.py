"""The teacher's review of uncertain readings.

A decision is one of: ``confirm`` (the machine's best reading is right),
``correct`` (the teacher types what the student wrote) or ``mark`` (the
teacher judges the answer right or wrong without a reading, for example when
it is illegible). Each updates the grade and the outbox and is kept as a
labelled sample for the next training run.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from typing import Any

from edge.errors import EdgeError
from edge.events import EventBus
from edge.models import Answer, Assignment, Candidate, Question, Reading, Verdict
from edge.results import result_payload
from edge.store import Store

# A typed correction longer than this is not an answer to a homework box.
MAX_LABEL = 200


class ReviewError(EdgeError):
    """A review decision that cannot be applied."""


class Decision(enum.StrEnum):
    CONFIRM = "confirm"
    CORRECT = "correct"
    MARK = "mark"


Grader = Callable[[Question, str], Verdict]
AnswerListener = Callable[[Answer, Question], None]


class ReviewDesk:
    """Applies teacher decisions to stored answers."""

    def __init__(
        self,
        store: Store,
        assignments: Mapping[str, Assignment],
        grader: Grader,
        bus: EventBus,
        listeners: list[AnswerListener] | None = None,
    ) -> None:
        self.store = store
        self.assignments = assignments
        self.grader = grader
        self.bus = bus
        self.listeners = listeners if listeners is not None else []

    def queue(self, assignment_id: str | None = None) -> list[dict[str, Any]]:
        """Uncertain answers waiting for the teacher, with their candidates."""
        items = []
        for row in self.store.review_queue(assignment_id):
            item = {k: row[k] for k in row.keys()}  # noqa: SIM118 - sqlite3.Row
            item["candidates"] = json.loads(row["candidates"])
            items.append(item)
        return items

    def decide(
        self,
        answer_id: int,
        decision: str,
        text: str | None = None,
        correct: bool | None = None,
    ) -> dict[str, Any]:
        """Apply one decision; returns the updated answer."""
        row = self.store.answer(answer_id)
        if row is None:
            raise ReviewError(f"no answer {answer_id}")
        try:
            kind = Decision(decision)
        except ValueError as exc:
            raise ReviewError(f"unknown decision {decision!r}") from exc
        question = self._question(row["assignment_id"], row["question_id"])

        label, verdict = self._judge(kind, row, question, text, correct)
        answer = Answer(
            row["assignment_id"],
            row["question_id"],
            row["student_id"],
            (),
            Reading((Candidate(label, 1.0),)),
            verdict,
            started_ms=row["started_ms"],
            finished_ms=row["finished_ms"],
        )
        pseudonym = self._pseudonym(row["student_id"])
        updated = self.store.resolve_review(
            answer_id,
            label,
            kind.value,
            verdict,
            result_payload(answer, question, pseudonym) | {"reviewed": True},
        )
        for listener in self.listeners:
            listener(answer, question)
        self.bus.publish("review", {"answer": answer_id, "decision": kind.value})
        return {k: updated[k] for k in updated.keys()}  # noqa: SIM118

    def _judge(
        self,
        kind: Decision,
        row: Any,
        question: Question,
        text: str | None,
        correct: bool | None,
    ) -> tuple[str, Verdict]:
        if kind is Decision.CONFIRM:
            if not row["reading"]:
                raise ReviewError("nothing was read; correct or mark this answer")
            return row["reading"], self.grader(question, row["reading"])
        if kind is Decision.CORRECT:
            label = (text or "").strip()
            if not label or len(label) > MAX_LABEL:
                raise ReviewError(f"a correction needs 1 to {MAX_LABEL} characters")
            return label, self.grader(question, label)
        if correct is None:
            raise ReviewError("marking needs correct true or false")
        verdict = Verdict(
            correct,
            question.points if correct else 0.0,
            question.points,
            "marked by the teacher",
            "由老师批改",
            "teacher_mark",
        )
        return row["reading"] or "?", verdict

    def _question(self, assignment_id: str, question_id: str) -> Question:
        assignment = self.assignments.get(assignment_id)
        if assignment is None:
            raise ReviewError(f"assignment {assignment_id!r} is no longer loaded")
        try:
            return assignment.question(question_id)
        except KeyError as exc:
            raise ReviewError(
                f"question {question_id!r} is not in {assignment_id}"
            ) from exc

    def _pseudonym(self, student_id: str) -> str:
        for student in self.store.students():
            if student.id == student_id:
                return student.pseudonym
        return student_id

"""What an answer looks like when it leaves the gateway.

Only the student's pseudonym goes up; names and ink stay in the classroom.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from edge.models import Answer, Question


def iso_ms(ms: int) -> str:
    """An epoch-millisecond time as ISO 8601 in UTC."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def result_payload(
    answer: Answer, question: Question, pseudonym: str
) -> dict[str, Any]:
    """The uplink ``result`` record of one answer."""
    verdict = answer.verdict
    return {
        "assignment": answer.assignment_id,
        "question": answer.question_id,
        "student": pseudonym,
        "reading": answer.reading.text,
        "confidence": round(answer.reading.confidence, 4),
        "graded": verdict is not None,
        "correct": None if verdict is None else verdict.correct,
        "score": None if verdict is None else verdict.score,
        "max_score": question.points,
        "verdict_code": None if verdict is None else verdict.code,
        "needs_review": answer.needs_review,
        "knowledge_points": list(question.knowledge_points),
        "started_at": iso_ms(answer.started_ms),
        "finished_at": iso_ms(answer.finished_ms),
    }

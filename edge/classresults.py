"""Live class results of one assignment, computed from stored answers.

Pure: takes answer rows as mappings and the assignment, returns JSON-ready
data for the teacher page and the API.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from edge.models import Assignment, Student

# The page shows this many distinct readings per question; the rest are "other".
TOP_READINGS = 6


def class_results(
    assignment: Assignment,
    rows: Iterable[Mapping[str, Any]],
    students: Iterable[Student],
) -> dict[str, Any]:
    """Who answered what, per-question correct rates and answer distributions."""
    rows = list(rows)
    roster = {s.id: s for s in students}
    by_question: dict[str, list[Mapping[str, Any]]] = {
        q.id: [] for q in assignment.questions
    }
    for row in rows:
        by_question.setdefault(row["question_id"], []).append(row)

    questions = [
        _question_stats(q.id, q.answer, by_question[q.id]) for q in assignment.questions
    ]
    return {
        "assignment": {"id": assignment.id, "title": assignment.title},
        "questions": questions,
        "students": _student_progress(assignment, rows, roster),
        "answered_students": len({r["student_id"] for r in rows}),
        "roster_size": len(roster),
    }


def _question_stats(
    qid: str, key: str, rows: list[Mapping[str, Any]]
) -> dict[str, Any]:
    graded = [r for r in rows if r["correct"] is not None]
    correct = sum(1 for r in graded if r["correct"])
    readings = Counter(r["reading"] for r in rows if r["reading"])
    top = readings.most_common(TOP_READINGS)
    other = sum(readings.values()) - sum(n for _, n in top)
    wrong = Counter(r["reading"] for r in graded if not r["correct"] and r["reading"])
    return {
        "id": qid,
        "key": key,
        "answers": len(rows),
        "graded": len(graded),
        "review": sum(1 for r in rows if r["needs_review"]),
        "correct": correct,
        "correct_rate": round(correct / len(graded), 4) if graded else None,
        "distribution": [{"reading": t, "count": n} for t, n in top]
        + ([{"reading": "…", "count": other}] if other else []),
        "common_wrong": [{"reading": t, "count": n} for t, n in wrong.most_common(3)],
    }


def _student_progress(
    assignment: Assignment,
    rows: list[Mapping[str, Any]],
    roster: Mapping[str, Student],
) -> list[dict[str, Any]]:
    total = len(assignment.questions)
    per_student: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        per_student.setdefault(row["student_id"], []).append(row)

    progress = []
    for sid, student in roster.items():
        mine = per_student.get(sid, [])
        progress.append(
            {
                "id": sid,
                "name": student.name,
                "seat": student.seat,
                "answered": len(mine),
                "correct": sum(1 for r in mine if r["correct"]),
                "finished": len(mine) >= total,
                "started": bool(mine),
            }
        )
    return progress

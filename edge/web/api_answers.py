"""API for single answers: the review queue, a student's answers, ink replay."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request

from edge.review import ReviewError
from edge.web.api import services_of_app
from edge.web.security import require_teacher

bp = Blueprint("api_answers", __name__, url_prefix="/api/v1")


@bp.get("/review")
@require_teacher
def review_queue() -> Any:
    """Uncertain readings waiting for the teacher, with their top candidates."""
    services = services_of_app()
    if services.review is None:
        abort(503, description="review is not available")
    return jsonify(items=services.review.queue(request.args.get("assignment")))


@bp.post("/review/<int:answer_id>")
@require_teacher
def review_decide(answer_id: int) -> Any:
    """Confirm, correct or mark one answer."""
    services = services_of_app()
    if services.review is None:
        abort(503, description="review is not available")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="send a JSON object with 'decision'")
    correct = body.get("correct")
    text = body.get("text")
    if (correct is not None and not isinstance(correct, bool)) or (
        text is not None and not isinstance(text, str)
    ):
        abort(400, description="'correct' must be true/false and 'text' a string")
    try:
        updated = services.review.decide(
            answer_id, str(body.get("decision", "")), text=text, correct=correct
        )
    except ReviewError as exc:
        abort(400 if "no answer" not in str(exc) else 404, description=str(exc))
    return jsonify(updated)


@bp.get("/assignments/<assignment_id>/students/<student_id>")
@require_teacher
def student_answers(assignment_id: str, student_id: str) -> Any:
    """Every answer of one student to one assignment, with verdict and reason."""
    services = services_of_app()
    assignment = services.assignments.get(assignment_id)
    if assignment is None:
        abort(404, description=f"no assignment {assignment_id!r}")
    student = next((s for s in services.store.students() if s.id == student_id), None)
    if student is None:
        abort(404, description=f"no student {student_id!r}")
    rows = {
        r["question_id"]: r
        for r in services.store.answers(assignment_id)
        if r["student_id"] == student_id
    }
    answers = []
    for q in assignment.questions:
        row = rows.get(q.id)
        answers.append(
            {
                "question": q.id,
                "prompt": q.prompt,
                "key": q.answer,
                "answer_id": row["id"] if row else None,
                "reading": row["reading"] if row else None,
                "correct": None
                if not row or row["correct"] is None
                else bool(row["correct"]),
                "score": row["score"] if row else None,
                "max_score": q.points,
                "reason": row["reason"] if row else None,
                "reason_zh": row["reason_zh"] if row else None,
                "needs_review": bool(row["needs_review"]) if row else False,
            }
        )
    return jsonify(
        student={"id": student.id, "name": student.name, "seat": student.seat},
        assignment=assignment_id,
        answers=answers,
    )


@bp.get("/answers/<int:answer_id>/ink")
@require_teacher
def answer_ink(answer_id: int) -> Any:
    """The strokes of one answer in time order, with its answer region, for replay."""
    services = services_of_app()
    return jsonify(ink_of(services, answer_id))


def ink_of(services: Any, answer_id: int) -> dict[str, Any]:
    """Replay data of an answer: region and strokes with times relative to start."""
    row = services.store.answer(answer_id)
    if row is None:
        abort(404, description=f"no answer {answer_id}")
    strokes = services.store.answer_strokes(
        row["assignment_id"], row["student_id"], row["question_id"]
    )
    t0 = min((s.start_ms for s in strokes), default=0)
    region = None
    assignment = services.assignments.get(row["assignment_id"])
    if assignment is not None:
        question = assignment.question(row["question_id"])
        if question.region is not None:
            r = question.region.rect
            region = {"x": r.x, "y": r.y, "width": r.width, "height": r.height}
    return {
        "answer_id": answer_id,
        "reading": row["reading"],
        "region": region,
        "strokes": [
            [[d.x, d.y, d.t_ms - t0, d.force] for d in s.dots] for s in strokes
        ],
    }

"""API for the whole class: CSV export, projector view, analytics report."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from edge.classresults import class_results
from edge.web.api import services_of_app
from edge.web.api_answers import ink_of
from edge.web.security import require_teacher

bp = Blueprint("api_class", __name__, url_prefix="/api/v1")

CSV_COLUMNS = [
    "seat",
    "student_id",
    "name",
    "question",
    "key",
    "reading",
    "confidence",
    "correct",
    "score",
    "max_score",
    "needs_review",
    "reason",
    "reason_zh",
]


@bp.get("/assignments/<assignment_id>/export.csv")
@require_teacher
def export_csv(assignment_id: str) -> Response:
    """Class results of an assignment as CSV, one row per student and question."""
    services = services_of_app()
    assignment = services.assignments.get(assignment_id)
    if assignment is None:
        abort(404, description=f"no assignment {assignment_id!r}")
    rows = {
        (r["student_id"], r["question_id"]): r
        for r in services.store.answers(assignment_id)
    }
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for student in services.store.students():
        for q in assignment.questions:
            r = rows.get((student.id, q.id))
            writer.writerow(
                [
                    student.seat,
                    student.id,
                    student.name,
                    q.id,
                    q.answer,
                    r["reading"] if r else "",
                    r["confidence"] if r else "",
                    "" if not r or r["correct"] is None else int(r["correct"]),
                    r["score"] if r else "",
                    q.points,
                    int(r["needs_review"]) if r else "",
                    r["reason"] if r else "",
                    r["reason_zh"] if r else "",
                ]
            )
    # A byte-order mark so that spreadsheet programs read the Chinese names right.
    body = "\ufeff" + out.getvalue()
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{assignment_id}.csv"'},
    )


@bp.get("/projector")
@require_teacher
def projector_view() -> Any:
    """What the classroom screen shows: distributions and one anonymous answer."""
    services = services_of_app()
    assignment = services.active_assignment()
    if assignment is None:
        return jsonify(assignment=None, questions=[], answer=None)
    rows = [dict(r) for r in services.store.answers(assignment.id)]
    results = class_results(assignment, rows, services.store.students())
    shown = None
    if services.projected_answer is not None:
        ink = ink_of(services, services.projected_answer)
        shown = {
            "strokes": ink["strokes"],
            "region": ink["region"],
            "reading": ink["reading"],
        }
    # Names and per-student rows never reach the projector.
    return jsonify(
        assignment=results["assignment"],
        answered_students=results["answered_students"],
        roster_size=results["roster_size"],
        questions=[
            {k: q[k] for k in ("id", "answers", "correct_rate", "distribution")}
            for q in results["questions"]
        ],
        answer=shown,
    )


@bp.post("/projector")
@require_teacher
def projector_choose() -> Any:
    """Choose which answer the projector shows (``null`` clears it)."""
    services = services_of_app()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "answer_id" not in body:
        abort(400, description="send {'answer_id': number or null}")
    answer_id = body["answer_id"]
    known = isinstance(answer_id, int) and services.store.answer(answer_id) is not None
    if answer_id is not None and not known:
        abort(404, description=f"no answer {answer_id!r}")
    services.projected_answer = answer_id
    services.bus.publish("projector", {"answer": answer_id})
    return jsonify(answer_id=answer_id)


@bp.get("/assignments/<assignment_id>/time")
@require_teacher
def homework_time(assignment_id: str) -> Any:
    """Active writing time per student so far, against the estimate."""
    services = services_of_app()
    if assignment_id not in services.assignments:
        abort(404, description=f"no assignment {assignment_id!r}")
    if services.homework_time is None:
        abort(503, description="homework time is not available")
    return jsonify(services.homework_time(assignment_id))


@bp.get("/assignments/<assignment_id>/report")
@require_teacher
def analytics_report(assignment_id: str) -> Any:
    """Mastery, item analysis, diagnosis, practice and homework time."""
    services = services_of_app()
    if assignment_id not in services.assignments:
        abort(404, description=f"no assignment {assignment_id!r}")
    if services.report is None:
        abort(503, description="analytics are not available")
    return jsonify(services.report(assignment_id))

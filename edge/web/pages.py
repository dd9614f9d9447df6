"""The teacher's pages: HTML shells whose data comes from the JSON API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, make_response, render_template, request

from edge.web.api import services_of_app
from edge.web.i18n import language, strings
from edge.web.security import csrf_token, require_teacher

bp = Blueprint("pages", __name__)


def page(template: str, **context: Any) -> Any:
    """Render a page with the strings, language and CSRF token every page needs."""
    response = make_response(
        render_template(
            template,
            t=strings(),
            lang=language(),
            csrf=csrf_token(),
            teacher=True,
            **context,
        )
    )
    if "lang" in request.args:
        response.set_cookie("lang", language(), samesite="Strict", httponly=True)
    return response


@bp.route("/")
@require_teacher
def dashboard() -> Any:
    """Live class results of the current assignment."""
    return page("dashboard.html")


@bp.route("/review")
@require_teacher
def review() -> Any:
    """The queue of uncertain readings, with keyboard shortcuts."""
    return page("review.html")


@bp.route("/student/<assignment_id>/<student_id>")
@require_teacher
def student(assignment_id: str, student_id: str) -> Any:
    """One student's answers with verdicts, reasons and handwriting replay."""
    return page("student.html", assignment_id=assignment_id, student_id=student_id)


@bp.route("/polls")
@require_teacher
def polls() -> Any:
    """Clicker polls: start, watch, close, reveal."""
    return page("polls.html")


@bp.route("/mastery")
@require_teacher
def mastery() -> Any:
    """Knowledge-point mastery heatmap, item analysis and suggestions."""
    return page("mastery.html")


@bp.route("/projector")
@require_teacher
def projector() -> Any:
    """Anonymous view for the classroom screen: distributions, no names."""
    return page("projector.html", projector=True)


@bp.route("/report/<assignment_id>")
@require_teacher
def report(assignment_id: str) -> Any:
    """A printable report of an assignment's class results."""
    if assignment_id not in services_of_app().assignments:
        abort(404)
    return page("report.html", assignment_id=assignment_id)

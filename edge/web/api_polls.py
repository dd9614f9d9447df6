"""API for clicker polls: start, watch, close, reveal."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, abort, jsonify, request

from edge.polls import PollBook, PollError
from edge.web.api import services_of_app
from edge.web.security import require_teacher

bp = Blueprint("api_polls", __name__, url_prefix="/api/v1/polls")

KINDS = ("single", "multiple", "true_false", "numeric")


def _book() -> PollBook:
    book = services_of_app().polls
    if book is None:
        abort(503, description="no clicker receiver is configured")
    assert isinstance(book, PollBook)
    return book


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None:
        return {}
    if not isinstance(body, dict):
        abort(400, description="send a JSON object")
    return body


@bp.get("")
@require_teacher
def list_polls() -> Any:
    """Every poll of this run, the current one and the receiver's status."""
    book = _book()
    return jsonify(
        current=book.current_id,
        polls=book.snapshots(),
        receiver=dict(book.status),
        unbound=book.unbound_clickers(),
    )


@bp.post("")
@require_teacher
def start_poll() -> Any:
    """Open a new poll (closing the one open before)."""
    body = _body()
    kind = body.get("kind", "single")
    options = body.get("options", 4)
    correct = body.get("correct")
    if kind not in KINDS:
        abort(400, description=f"kind must be one of {', '.join(KINDS)}")
    if not isinstance(options, int) or isinstance(options, bool):
        abort(400, description="options must be a number")
    if correct is not None and not isinstance(correct, str):
        abort(400, description="correct must be text")
    poll_id = str(body.get("poll_id") or time.strftime("poll-%Y%m%d-%H%M%S"))
    try:
        return jsonify(_book().start(poll_id, kind, options, correct or None)), 201
    except PollError as exc:
        abort(400, description=str(exc))


@bp.post("/<poll_id>/close")
@require_teacher
def close_poll(poll_id: str) -> Any:
    """Stop counting votes for a poll."""
    try:
        return jsonify(_book().close(poll_id))
    except PollError as exc:
        abort(400, description=str(exc))


@bp.post("/<poll_id>/reveal")
@require_teacher
def reveal_poll(poll_id: str) -> Any:
    """Show the correct answer and grade every student who voted."""
    correct = _body().get("correct")
    if correct is not None and not isinstance(correct, str):
        abort(400, description="correct must be text")
    try:
        return jsonify(_book().reveal(poll_id, correct or None))
    except PollError as exc:
        abort(400, description=str(exc))

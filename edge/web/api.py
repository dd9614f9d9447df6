"""The JSON API under ``/api/v1/``, which the page itself uses.

Every route but ``/healthz`` needs a teacher session or a bearer token.
"""

from __future__ import annotations

import json
import queue
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify

from edge.classresults import class_results
from edge.web.security import require_teacher
from edge.web.services import WebServices

bp = Blueprint("api", __name__)

# A comment line this often keeps proxies and browsers from closing an idle
# event stream, and lets the server notice a closed tab.
HEARTBEAT_S = 15.0


def services_of_app() -> WebServices:
    """The gateway services behind the current app."""
    services: WebServices = current_app.config["SERVICES"]
    return services


_services = services_of_app


@bp.get("/healthz")
def healthz() -> Any:
    """Liveness for installers and monitoring; no class data."""
    services = _services()
    services.store.conn.execute("SELECT 1").fetchone()
    return jsonify(status="ok", gateway=services.gateway_id)


@bp.get("/api/v1/summary")
@require_teacher
def summary() -> Any:
    """Counts of students, answers received and graded, and pending outbox."""
    services = _services()
    counts = services.store.counts()
    body: dict[str, Any] = {
        "gateway": services.gateway_id,
        "students": counts["students"],
        "answers_received": counts["answers_received"],
        "answers_graded": counts["answers_graded"],
        "outbox_pending": counts["outbox_pending"],
        "strokes": counts["strokes"],
        "votes": counts["votes"],
    }
    active = services.active_assignment()
    body["active_assignment"] = active.id if active else None
    for name, source in services.status_sources.items():
        body[name] = source()
    return jsonify(body)


@bp.get("/api/v1/assignments")
@require_teacher
def assignments() -> Any:
    """The assignments this gateway knows, active first."""
    services = _services()
    active = services.active_assignment()
    return jsonify(
        assignments=[
            {
                "id": a.id,
                "title": a.title,
                "subject": a.subject,
                "grade": a.grade,
                "questions": len(a.questions),
                "estimated_minutes": a.estimated_minutes,
                "active": active is not None and a.id == active.id,
            }
            for a in services.assignments.values()
        ]
    )


@bp.get("/api/v1/assignments/<assignment_id>/results")
@require_teacher
def results(assignment_id: str) -> Any:
    """Live class results of one assignment."""
    services = _services()
    assignment = services.assignments.get(assignment_id)
    if assignment is None:
        abort(404, description=f"no assignment {assignment_id!r}")
    rows = [dict(r) for r in services.store.answers(assignment_id)]
    return jsonify(class_results(assignment, rows, services.store.students()))


@bp.get("/api/v1/events")
@require_teacher
def events() -> Response:
    """Server-sent events: one message per change in the class's data."""
    services = _services()
    subscription = services.bus.subscribe()

    def stream() -> Iterator[str]:
        try:
            yield f"retry: 1000\nevent: hello\ndata: {services.bus.last_serial}\n\n"
            while not services.stopping.is_set():
                try:
                    event = subscription.get(timeout=HEARTBEAT_S)
                except queue.Empty:
                    yield ": heartbeat\n\n"
                    continue
                if services.stopping.is_set():
                    break
                data = json.dumps(event.data, ensure_ascii=False)
                yield f"id: {event.serial}\nevent: {event.kind}\ndata: {data}\n\n"
        finally:
            services.bus.unsubscribe(subscription)

    return Response(
        stream(),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )

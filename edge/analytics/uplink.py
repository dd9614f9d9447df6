"""Uplink payloads of the analytics: ``mastery`` and ``homework_time`` records.

Only pseudonyms leave the gateway. A student missing from the roster has no
pseudonym, so that student's records are held back (and logged) rather than
sent under the local id.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from importlib import resources
from typing import Any

from edge.analytics.config import AnalyticsConfig
from edge.analytics.errors import AnalyticsError
from edge.analytics.report import time_section
from edge.analytics.sheets import assignment_from_body
from edge.analytics.types import HomeworkTimeRecord, MasteryRecord, StudentMinutes
from edge.store import analytics as queries
from edge.store.store import Store

log = logging.getLogger(__name__)

KINDS = ("mastery", "homework_time")


def pseudonyms(store: Store) -> dict[str, str]:
    """Student id to pseudonym for the roster."""
    return {s.id: s.pseudonym for s in store.students()}


def mastery_records(store: Store, *, since_ms: int = 0) -> list[MasteryRecord]:
    """Persisted mastery estimates updated at or after ``since_ms``, pseudonymised."""
    names = pseudonyms(store)
    records = []
    held = 0
    for e in queries.load_mastery(store):
        if e.updated_ms < since_ms:
            continue
        if e.student_id not in names:
            held += 1
            continue
        records.append(
            MasteryRecord(
                student=names[e.student_id],
                knowledge_point=e.knowledge_point,
                p_mastered=round(e.p_mastered, 4),
                evidence=round(e.evidence, 3),
                n_answers=e.n_answers,
                updated_ms=e.updated_ms,
            )
        )
    if held:
        log.warning("held back %s mastery records of students not on the roster", held)
    return records


def homework_time_record(
    store: Store, assignment_id: str, config: AnalyticsConfig | None = None
) -> HomeworkTimeRecord:
    """The homework publicity figures of one assignment, pseudonymised."""
    config = config or AnalyticsConfig()
    body = queries.assignment_body(store, assignment_id)
    if body is None:
        raise AnalyticsError(f"no assignment {assignment_id!r} in the store")
    sheet = assignment_from_body(body)
    section = time_section(store, sheet, config)
    names = pseudonyms(store)
    students = [
        StudentMinutes(
            student=names[s["student_id"]], active_minutes=s["active_minutes"]
        )
        for s in section["students"]
        if s["student_id"] in names
    ]
    return HomeworkTimeRecord(
        assignment_id=sheet.id,
        subject=sheet.subject,
        grade=sheet.grade,
        estimated_minutes=sheet.estimated_minutes,
        n_students=section["n_students"],
        median_minutes=section["median_minutes"],
        p90_minutes=section["p90_minutes"],
        pause_threshold_s=section["pause_threshold_s"],
        days=section["days"],
        students=students,
    )


@cache
def payload_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one uplink kind's ``data`` field."""
    if kind not in KINDS:
        raise AnalyticsError(f"no analytics payload kind {kind!r}")
    text = resources.files("edge.analytics").joinpath(f"schemas/{kind}.schema.json")
    loaded: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return loaded

"""Uplink records as typed JSON, and builders from the domain types.

The shapes mirror ``schemas/<kind>.json``. Builders take the student's
pseudonym, never the roster id or name: only pseudonyms leave the gateway,
and device addresses (the pen-to-student map) stay too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import NotRequired, TypedDict

from edge import __version__
from edge.models import Answer, PageAddress, Stroke, Vote


class ResultRecord(TypedDict):
    """One graded answer (``schemas/result.json``)."""

    student: str
    assignment: str
    question: str
    reading: str
    correct: bool | None
    finished_at: str
    confidence: NotRequired[float]
    graded: NotRequired[bool]
    score: NotRequired[float | None]
    max_score: NotRequired[float | None]
    verdict_code: NotRequired[str | None]
    needs_review: NotRequired[bool]
    reviewed: NotRequired[bool]
    knowledge_points: NotRequired[list[str]]
    started_at: NotRequired[str]


class VoteRecord(TypedDict):
    """One clicker press (``schemas/vote.json``)."""

    answer: str
    received_ms: int
    poll: NotRequired[str | None]
    student: NotRequired[str | None]
    counted: NotRequired[bool]


class InkRecord(TypedDict):
    """Raw ink of one answer (``schemas/ink.json``)."""

    student: str
    page: str
    strokes: list[list[list[float | int]]]
    assignment: NotRequired[str | None]
    question: NotRequired[str | None]


class StatusRecord(TypedDict):
    """A health report (``schemas/status.json``)."""

    event: str
    outbox_pending: int
    version: NotRequired[str]
    uptime_s: NotRequired[float]
    outbox_parked: NotRequired[int]
    disk_used_bytes: NotRequired[int]
    disk_cap_bytes: NotRequired[int]
    dropped: NotRequired[dict[str, int]]
    dropped_total: NotRequired[dict[str, int]]
    downlink_rejected: NotRequired[int]


class Presence(TypedDict):
    """The retained presence message (``schemas/presence.json``)."""

    v: int
    gateway: str
    online: bool
    at: NotRequired[str]
    version: NotRequired[str]


def result_record(
    answer: Answer,
    pseudonym: str,
    knowledge_points: Iterable[str] = (),
    reviewed: bool = False,
) -> ResultRecord:
    """The uplink record of one answer and its verdict (if graded)."""
    v = answer.verdict
    record: ResultRecord = {
        "student": pseudonym,
        "assignment": answer.assignment_id,
        "question": answer.question_id,
        "reading": answer.reading.text,
        "confidence": round(min(1.0, max(0.0, answer.reading.confidence)), 4),
        "graded": v is not None,
        "correct": None if v is None else v.correct,
        "score": None if v is None else v.score,
        "max_score": None if v is None else v.max_score,
        "verdict_code": (v.code or None) if v is not None else None,
        "needs_review": answer.needs_review,
        "knowledge_points": list(knowledge_points),
        "started_at": iso_ms(answer.started_ms),
        "finished_at": iso_ms(answer.finished_ms),
    }
    if reviewed:
        record["reviewed"] = True
    return record


def vote_record(vote: Vote, pseudonym: str | None, counted: bool = True) -> VoteRecord:
    """The uplink record of one clicker press (without the clicker's address)."""
    return {
        "poll": vote.poll_id,
        "student": pseudonym,
        "answer": vote.answer,
        "received_ms": vote.received_ms,
        "counted": counted,
    }


def ink_record(
    strokes: Iterable[Stroke],
    pseudonym: str,
    page: PageAddress,
    assignment: str | None = None,
    question: str | None = None,
) -> InkRecord:
    """Raw ink of one answer, for gateways configured to send it."""
    return {
        "student": pseudonym,
        "page": str(page),
        "assignment": assignment,
        "question": question,
        "strokes": [[[d.x, d.y, d.force, d.t_ms] for d in s.dots] for s in strokes],
    }


def status_record(
    event: str,
    pending: int,
    parked: int,
    uptime_s: float,
    disk: tuple[int, int] | None = None,
    dropped: Mapping[str, int] | None = None,
    dropped_total: Mapping[str, int] | None = None,
    downlink_rejected: int = 0,
) -> StatusRecord:
    """A health report: outbox depth, parked messages, disk (used, cap), drops."""
    record: StatusRecord = {
        "event": event,
        "version": __version__,
        "uptime_s": round(max(0.0, uptime_s), 3),
        "outbox_pending": pending,
        "outbox_parked": parked,
        "downlink_rejected": downlink_rejected,
    }
    if disk is not None:
        record["disk_used_bytes"], record["disk_cap_bytes"] = disk
    if dropped:
        record["dropped"] = dict(dropped)
    if dropped_total:
        record["dropped_total"] = dict(dropped_total)
    return record


def iso_ms(ms: int) -> str:
    """Epoch milliseconds as an RFC 3339 time in UTC."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def presence(gateway: str, online: bool, now_ms: int | None = None) -> Presence:
    """The retained presence message (online on connect, offline as last will)."""
    message: Presence = {"v": 1, "gateway": gateway, "online": online}
    message["version"] = __version__
    if now_ms is not None:
        message["at"] = iso_ms(now_ms)
    return message

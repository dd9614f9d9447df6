"""Store queries for the learning analytics: answers, stroke times, mastery.

Reads return the plain records of ``edge.analytics.records``; writes join the
caller's transaction when there is one (``Store.transaction`` nests).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from edge.analytics.bkt import BktParams
from edge.analytics.records import AnswerRecord, MasteryEstimate, StrokeSpan
from edge.store.store import Store

_ANSWER_COLUMNS = (
    "assignment_id, question_id, student_id, reading, confidence, correct, score,"
    " max_score, needs_review, reviewed_by_teacher, started_ms, finished_ms"
)


def _answer(row: sqlite3.Row) -> AnswerRecord:
    correct = row["correct"]
    return AnswerRecord(
        assignment_id=row["assignment_id"],
        question_id=row["question_id"],
        student_id=row["student_id"],
        reading=row["reading"],
        confidence=float(row["confidence"]),
        correct=None if correct is None else bool(correct),
        score=row["score"],
        max_score=row["max_score"],
        needs_review=bool(row["needs_review"]),
        reviewed=bool(row["reviewed_by_teacher"]),
        started_ms=int(row["started_ms"]),
        finished_ms=int(row["finished_ms"]),
    )


def assignment_answers(store: Store, assignment_id: str) -> list[AnswerRecord]:
    """Every answer of one assignment, graded or not."""
    rows = store.conn.execute(
        f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE assignment_id = ?"
        " ORDER BY finished_ms, id",
        (assignment_id,),
    ).fetchall()
    return [_answer(r) for r in rows]


def answer_history(
    store: Store, student_ids: Iterable[str] | None = None
) -> list[AnswerRecord]:
    """Graded answers of all assignments in the order they were finished."""
    sql = f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE correct IS NOT NULL"
    params: list[Any] = []
    if student_ids is not None:
        ids = sorted(set(student_ids))
        sql += f" AND student_id IN ({','.join('?' * len(ids))})"
        params.extend(ids)
    rows = store.conn.execute(sql + " ORDER BY finished_ms, id", params).fetchall()
    return [_answer(r) for r in rows]


def assignment_body(store: Store, assignment_id: str) -> dict[str, Any] | None:
    """The stored source document of one assignment, or None."""
    row = store.conn.execute(
        "SELECT body FROM assignments WHERE id = ?", (assignment_id,)
    ).fetchone()
    return None if row is None else dict(json.loads(row["body"]))


def stroke_spans(
    store: Store,
    *,
    assignment_id: str | None = None,
    since_ms: int | None = None,
    until_ms: int | None = None,
) -> list[StrokeSpan]:
    """Start and end of every student's strokes, filtered by assignment or time."""
    sql = (
        "SELECT student_id, assignment_id, start_ms, end_ms FROM strokes"
        " WHERE student_id IS NOT NULL AND assignment_id IS NOT NULL"
    )
    params: list[Any] = []
    for clause, value in (
        (" AND assignment_id = ?", assignment_id),
        (" AND start_ms >= ?", since_ms),
        (" AND start_ms < ?", until_ms),
    ):
        if value is not None:
            sql += clause
            params.append(value)
    rows = store.conn.execute(sql + " ORDER BY student_id, start_ms", params).fetchall()
    return [StrokeSpan(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def assignment_time_window(store: Store, assignment_id: str) -> tuple[int, int] | None:
    """First and last stroke time of an assignment, or None without ink."""
    row = store.conn.execute(
        "SELECT MIN(start_ms), MAX(end_ms) FROM strokes WHERE assignment_id = ?",
        (assignment_id,),
    ).fetchone()
    return None if row[0] is None else (int(row[0]), int(row[1]))


def load_mastery(
    store: Store, student_ids: Iterable[str] | None = None
) -> list[MasteryEstimate]:
    """Persisted mastery estimates, optionally of some students only."""
    sql = (
        "SELECT student_id, knowledge_point, p_mastered, evidence, n_answers,"
        " updated_ms FROM mastery"
    )
    params: list[str] = []
    if student_ids is not None:
        params = sorted(set(student_ids))
        sql += f" WHERE student_id IN ({','.join('?' * len(params))})"
    rows = store.conn.execute(sql + " ORDER BY student_id, knowledge_point", params)
    return [MasteryEstimate(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


def save_mastery(store: Store, estimates: Iterable[MasteryEstimate]) -> None:
    """Insert or replace mastery estimates."""
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO mastery (student_id, knowledge_point, p_mastered, evidence,"
            " n_answers, updated_ms) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(student_id, knowledge_point) DO UPDATE SET"
            " p_mastered = excluded.p_mastered, evidence = excluded.evidence,"
            " n_answers = excluded.n_answers, updated_ms = excluded.updated_ms",
            [
                (
                    e.student_id,
                    e.knowledge_point,
                    e.p_mastered,
                    e.evidence,
                    e.n_answers,
                    e.updated_ms,
                )
                for e in estimates
            ],
        )


def replace_mastery(
    store: Store, estimates: Iterable[MasteryEstimate], student_ids: Iterable[str]
) -> None:
    """Drop the named students' estimates and store the given ones instead."""
    ids = sorted(set(student_ids))
    with store.transaction() as conn:
        conn.executemany(
            "DELETE FROM mastery WHERE student_id = ?", [(i,) for i in ids]
        )
        save_mastery(store, estimates)


def load_params(store: Store) -> dict[str, tuple[BktParams, float, str]]:
    """BKT parameters per knowledge point with their evidence and source."""
    rows = store.conn.execute(
        "SELECT knowledge_point, prior, learn, guess, slip, forget, n_answers, source"
        " FROM bkt_params ORDER BY knowledge_point"
    ).fetchall()
    return {
        r[0]: (BktParams.bounded(r[1], r[2], r[3], r[4], r[5]), float(r[6]), r[7])
        for r in rows
    }


def save_params(
    store: Store, params: Mapping[str, tuple[BktParams, float, str]], now_ms: int
) -> None:
    """Insert or replace BKT parameters per knowledge point."""
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO bkt_params (knowledge_point, prior, learn, guess, slip,"
            " forget, n_answers, source, fitted_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(knowledge_point) DO UPDATE SET prior = excluded.prior,"
            " learn = excluded.learn, guess = excluded.guess, slip = excluded.slip,"
            " forget = excluded.forget, n_answers = excluded.n_answers,"
            " source = excluded.source, fitted_ms = excluded.fitted_ms",
            [
                (kp, p.prior, p.learn, p.guess, p.slip, p.forget, n, source, now_ms)
                for kp, (p, n, source) in params.items()
            ],
        )

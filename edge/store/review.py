"""The review queue: uncertain readings and the teacher's decisions on them."""

from __future__ import annotations

import sqlite3

from edge.models import Verdict


def queue(conn: sqlite3.Connection, assignment_id: str | None) -> list[sqlite3.Row]:
    """Answers waiting for the teacher, oldest first."""
    sql = (
        "SELECT a.*, s.name AS student_name, s.seat AS seat FROM answers a"
        " LEFT JOIN students s ON s.id = a.student_id"
        " WHERE a.needs_review = 1 AND a.reviewed_by_teacher = 0"
    )
    params: tuple[str, ...] = ()
    if assignment_id is not None:
        sql += " AND a.assignment_id = ?"
        params = (assignment_id,)
    return conn.execute(sql + " ORDER BY a.finished_ms, a.id", params).fetchall()


def answer(conn: sqlite3.Connection, answer_id: int) -> sqlite3.Row | None:
    """One stored answer by its row id."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM answers WHERE id = ?", (answer_id,)
    ).fetchone()
    return row


def resolve(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    label: str,
    decision: str,
    verdict: Verdict,
    now_ms: int,
) -> None:
    """Record the teacher's reading and verdict; the caller's transaction commits."""
    conn.execute(
        "UPDATE answers SET reading = ?, confidence = 1.0, correct = ?, score = ?,"
        " max_score = ?, reason = ?, reason_zh = ?, verdict_code = ?,"
        " needs_review = 0, reviewed_by_teacher = 1, updated_ms = ? WHERE id = ?",
        (
            label,
            int(verdict.correct),
            verdict.score,
            verdict.max_score,
            verdict.reason,
            verdict.reason_zh,
            verdict.code,
            now_ms,
            row["id"],
        ),
    )
    conn.execute(
        "INSERT INTO review_labels (answer_id, assignment_id, question_id, student_id,"
        " machine_reading, label, decision, decided_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            row["id"],
            row["assignment_id"],
            row["question_id"],
            row["student_id"],
            row["reading"],
            label,
            decision,
            now_ms,
        ),
    )


def labels(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every labelled answer, for exporting training data."""
    return conn.execute("SELECT * FROM review_labels ORDER BY id").fetchall()

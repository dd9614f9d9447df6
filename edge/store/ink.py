"""Strokes in the store: dots packed into one blob per stroke."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable

from edge.models import Dot, PageAddress, Stroke

# x and y as float32 keep Ncode's 1/100 fraction exactly over a page's range;
# force fits 16 bits on every pen of the family; time is absolute ms.
_DOT = struct.Struct("<ffHq")


def pack_dots(dots: Iterable[Dot]) -> bytes:
    """Dots as the compact blob stored in ``strokes.dots``."""
    return b"".join(
        _DOT.pack(d.x, d.y, min(max(d.force, 0), 0xFFFF), d.t_ms) for d in dots
    )


def unpack_dots(blob: bytes) -> tuple[Dot, ...]:
    """The dots of a stored blob."""
    return tuple(
        Dot(round(x, 2), round(y, 2), force, t)
        for x, y, force, t in _DOT.iter_unpack(blob)
    )


def insert_strokes(
    conn: sqlite3.Connection,
    rows: Iterable[tuple[Stroke, str | None, str | None, str | None]],
) -> int:
    """Insert (stroke, student, assignment, question) rows; the caller commits."""
    params = [
        (
            s.pen,
            str(s.page),
            student,
            assignment,
            question,
            s.start_ms,
            s.end_ms,
            len(s.dots),
            pack_dots(s.dots),
        )
        for s, student, assignment, question in rows
    ]
    conn.executemany(
        "INSERT INTO strokes (pen, page, student_id, assignment_id, question_id,"
        " start_ms, end_ms, n_dots, dots) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params,
    )
    return len(params)


def answer_strokes(
    conn: sqlite3.Connection, assignment_id: str, student_id: str, question_id: str
) -> list[Stroke]:
    """The strokes of one answer in time order."""
    rows = conn.execute(
        "SELECT pen, page, dots FROM strokes WHERE assignment_id = ? AND student_id = ?"
        " AND question_id = ? ORDER BY start_ms, id",
        (assignment_id, student_id, question_id),
    ).fetchall()
    return [
        Stroke(r["pen"], PageAddress.parse(r["page"]), unpack_dots(r["dots"]))
        for r in rows
    ]

"""The gateway's store: one SQLite file, one connection per thread.

Writers take ``BEGIN IMMEDIATE`` so that two writers never deadlock on a lock
upgrade; readers run concurrently thanks to WAL.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from edge.models import Answer, Assignment, Stroke, Student, Verdict, Vote
from edge.store import capacity, db, ink, outbox, review

log = logging.getLogger(__name__)

# The vote schema takes at most 1,000 records per message.
VOTE_BATCH = 1000


def wall_clock_ms() -> int:
    return int(time.time() * 1000)


class Store:
    """Typed access to the gateway's SQLite file."""

    def __init__(
        self,
        path: Path | str,
        gateway_id: str,
        clock: Callable[[], int] = wall_clock_ms,
    ) -> None:
        self.path = Path(path)
        self.gateway_id = gateway_id
        self.clock = clock
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        db.migrate(self.conn, clock)
        self._mark_checked_outbox()

    def _mark_checked_outbox(self) -> None:
        if outbox.has_check_mark(self.conn):
            return
        try:
            with self.transaction() as conn:
                outbox.mark_checked_from(conn)
        except sqlite3.OperationalError:
            # At the disk cap or on a read-only file: harmless, the uplink then
            # checks every row queued so far once more.
            log.info("outbox check mark not written this time")

    # -- connections and transactions -------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = db.connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested uses join the outer one."""
        conn = self.conn
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield conn
            finally:
                self._local.depth = depth
            return

        conn.execute("BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield conn
        except BaseException:
            # SQLite already rolled back after some errors (SQLITE_FULL at the
            # disk cap); a second ROLLBACK would hide the original error.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            self._local.depth = 0

    def close(self) -> None:
        """Close every connection this store opened."""
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    # -- disk cap -------------------------------------------------------------------

    def set_disk_cap(self, max_bytes: int) -> int:
        """Cap the database file (0 removes the cap); returns the page limit."""
        return capacity.set_cap(self.conn, max_bytes)

    def make_room(self) -> capacity.Dropped:
        """Drop the least valuable data if the file is near its cap."""
        return capacity.make_room(self.conn)

    # -- small settings ---------------------------------------------------------

    def meta(self, key: str) -> str | None:
        """A value kept in the store's key-value table."""
        row = self.conn.execute(
            "SELECT value FROM meta WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- roster and devices -----------------------------------------------

    def save_students(self, students: Iterable[Student]) -> None:
        """Insert or update roster entries."""
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO students (id, name, pseudonym, seat) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
                " pseudonym = excluded.pseudonym, seat = excluded.seat",
                [(s.id, s.name, s.pseudonym, s.seat) for s in students],
            )

    def students(self) -> list[Student]:
        """The roster, by seat."""
        rows = self.conn.execute(
            "SELECT id, name, pseudonym, seat FROM students ORDER BY seat, id"
        ).fetchall()
        return [Student(r["id"], r["name"], r["pseudonym"], r["seat"]) for r in rows]

    def bind_device(self, address: str, kind: str, student_id: str | None) -> None:
        """Bind a pen or clicker to a student (None unbinds it)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO devices (address, kind, student_id, bound_ms)"
                " VALUES (?, ?, ?, ?)"
                " ON CONFLICT(address) DO UPDATE SET kind = excluded.kind,"
                " student_id = excluded.student_id, bound_ms = excluded.bound_ms",
                (address.upper(), kind, student_id, self.clock()),
            )

    def device_bindings(self, kind: str) -> dict[str, str]:
        """Device address to student id, for one kind of device."""
        rows = self.conn.execute(
            "SELECT address, student_id FROM devices"
            " WHERE kind = ? AND student_id IS NOT NULL",
            (kind,),
        ).fetchall()
        return {r["address"]: r["student_id"] for r in rows}

    # -- assignments --------------------------------------------------------

    def save_assignment(self, assignment: Assignment, body: dict[str, Any]) -> None:
        """Keep an assignment (its source document) and make it known."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO assignments (id, subject, title, body, loaded_ms)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                " subject = excluded.subject, title = excluded.title,"
                " body = excluded.body, loaded_ms = excluded.loaded_ms",
                (
                    assignment.id,
                    assignment.subject,
                    assignment.title,
                    json.dumps(body, ensure_ascii=False),
                    self.clock(),
                ),
            )

    def set_active_assignment(self, assignment_id: str) -> None:
        """Mark the assignment the class is working on now."""
        with self.transaction() as conn:
            conn.execute("UPDATE assignments SET active = (id = ?)", (assignment_id,))

    def assignment_bodies(self) -> list[dict[str, Any]]:
        """Every stored assignment's source document, active first."""
        rows = self.conn.execute(
            "SELECT body FROM assignments ORDER BY active DESC, loaded_ms DESC, id"
        ).fetchall()
        return [json.loads(r["body"]) for r in rows]

    def active_assignment_id(self) -> str | None:
        row = self.conn.execute(
            "SELECT id FROM assignments WHERE active = 1"
        ).fetchone()
        return str(row["id"]) if row else None

    # -- ink ------------------------------------------------------------------

    def add_strokes(
        self, rows: Iterable[tuple[Stroke, str | None, str | None, str | None]]
    ) -> int:
        """Commit (stroke, student, assignment, question) rows in one transaction."""
        with self.transaction() as conn:
            return ink.insert_strokes(conn, rows)

    def answer_strokes(
        self, assignment_id: str, student_id: str, question_id: str
    ) -> list[Stroke]:
        """The strokes of one answer, in time order."""
        return ink.answer_strokes(self.conn, assignment_id, student_id, question_id)

    # -- answers ----------------------------------------------------------------

    def save_answer(self, answer: Answer, uplink: dict[str, Any] | None) -> None:
        """Store an answer and, in the same transaction, its uplink message."""
        with self.transaction() as conn:
            _upsert_answer(conn, answer, self.clock())
            if uplink is not None:
                outbox.enqueue(conn, self.gateway_id, "result", uplink, self.clock())

    def save_answers(
        self, items: Iterable[tuple[Answer, dict[str, Any] | None]]
    ) -> None:
        """Store several answers and their uplink messages in one transaction."""
        with self.transaction() as conn:
            for answer, uplink in items:
                _upsert_answer(conn, answer, self.clock())
                if uplink is not None:
                    outbox.enqueue(
                        conn, self.gateway_id, "result", uplink, self.clock()
                    )

    def assignments_answered_since(self, since_ms: int) -> list[str]:
        """Assignments with answers stored or changed since ``since_ms``."""
        rows = self.conn.execute(
            "SELECT DISTINCT assignment_id FROM answers WHERE updated_ms >= ?"
            " AND assignment_id NOT LIKE 'poll:%' ORDER BY assignment_id",
            (since_ms,),
        ).fetchall()
        return [str(r[0]) for r in rows]

    def progress(self, assignment_id: str) -> list[dict[str, Any]]:
        """How far each student is through an assignment, by pseudonym."""
        row = self.conn.execute(
            "SELECT body FROM assignments WHERE id = ?", (assignment_id,)
        ).fetchone()
        total = len(json.loads(row["body"]).get("questions", [])) if row else 0
        rows = self.conn.execute(
            "SELECT s.pseudonym, COUNT(*) AS answered, SUM(a.correct = 1) AS correct,"
            " MAX(a.updated_ms) AS updated_ms FROM answers a"
            " JOIN students s ON s.id = a.student_id WHERE a.assignment_id = ?"
            " GROUP BY s.pseudonym ORDER BY s.pseudonym",
            (assignment_id,),
        ).fetchall()
        return [
            {
                "student": r["pseudonym"],
                "assignment": assignment_id,
                "answered": int(r["answered"]),
                "correct": int(r["correct"] or 0),
                "total": total,
                "finished": total > 0 and int(r["answered"]) >= total,
                "updated_ms": int(r["updated_ms"]),
            }
            for r in rows
        ]

    def answers(self, assignment_id: str) -> list[sqlite3.Row]:
        """Every stored answer of an assignment."""
        return self.conn.execute(
            "SELECT * FROM answers WHERE assignment_id = ? ORDER BY finished_ms, id",
            (assignment_id,),
        ).fetchall()

    def answer(self, answer_id: int) -> sqlite3.Row | None:
        """One stored answer by its row id."""
        return review.answer(self.conn, answer_id)

    # -- review -------------------------------------------------------------------

    def review_queue(self, assignment_id: str | None = None) -> list[sqlite3.Row]:
        """Uncertain readings waiting for the teacher."""
        return review.queue(self.conn, assignment_id)

    def resolve_review(
        self,
        answer_id: int,
        label: str,
        decision: str,
        verdict: Verdict,
        uplink: dict[str, Any] | None,
    ) -> sqlite3.Row:
        """Apply the teacher's decision, keep the label, queue the new result."""
        with self.transaction() as conn:
            row = review.answer(conn, answer_id)
            if row is None:
                raise KeyError(answer_id)
            review.resolve(conn, row, label, decision, verdict, self.clock())
            if uplink is not None:
                outbox.enqueue(conn, self.gateway_id, "result", uplink, self.clock())
            updated = review.answer(conn, answer_id)
        assert updated is not None
        return updated

    def review_labels(self) -> list[sqlite3.Row]:
        """The teacher-confirmed readings, as labelled training samples."""
        return review.labels(self.conn)

    # -- votes --------------------------------------------------------------------

    def add_votes(self, votes: Iterable[tuple[Vote, str | None, bool]]) -> None:
        """Commit (vote, student, counted) rows and their uplink message together."""
        rows = list(votes)
        if not rows:
            return
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO votes (poll_id, clicker, student_id, answer, seq, rssi,"
                " received_ms, counted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (v.poll_id, v.clicker, s, v.answer, v.seq, v.rssi, v.received_ms, c)
                    for v, s, c in rows
                ],
            )
            # The clicker's address stays here; the city sees the pseudonym.
            names = {
                r["id"]: r["pseudonym"]
                for r in conn.execute("SELECT id, pseudonym FROM students")
            }
            records = [
                {
                    "poll": v.poll_id,
                    "student": names.get(s) if s else None,
                    "answer": v.answer,
                    "received_ms": v.received_ms,
                    "counted": bool(c),
                }
                for v, s, c in rows
            ]
            for start in range(0, len(records), VOTE_BATCH):
                outbox.enqueue(
                    conn,
                    self.gateway_id,
                    "vote",
                    records[start : start + VOTE_BATCH],
                    self.clock(),
                )

    # -- outbox -------------------------------------------------------------------

    def enqueue(self, kind: str, data: Any) -> int:
        """Put one message in the outbox on its own; returns its sequence number."""
        with self.transaction() as conn:
            return outbox.enqueue(conn, self.gateway_id, kind, data, self.clock())

    def outbox_count(self) -> int:
        return outbox.count(self.conn)

    # -- summary ----------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Counts for the summary API: students, answers, graded, outbox."""
        conn = self.conn

        def one(sql: str) -> int:
            return int(conn.execute(sql).fetchone()[0])

        return {
            "students": one("SELECT COUNT(*) FROM students"),
            "answers_received": one("SELECT COUNT(*) FROM answers"),
            "answers_graded": one(
                "SELECT COUNT(*) FROM answers WHERE correct IS NOT NULL"
            ),
            "outbox_pending": one("SELECT COUNT(*) FROM outbox"),
            "strokes": one("SELECT COUNT(*) FROM strokes"),
            "votes": one("SELECT COUNT(*) FROM votes"),
        }


def _upsert_answer(conn: sqlite3.Connection, a: Answer, now_ms: int) -> None:
    v = a.verdict
    candidates = [
        {"text": c.text, "confidence": c.confidence} for c in a.reading.candidates
    ]
    conn.execute(
        "INSERT INTO answers (assignment_id, question_id, student_id, reading,"
        " confidence, candidates, correct, score, max_score, reason, reason_zh,"
        " verdict_code, needs_review, started_ms, finished_ms, updated_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(assignment_id, question_id, student_id) DO UPDATE SET"
        " reading = excluded.reading, confidence = excluded.confidence,"
        " candidates = excluded.candidates, correct = excluded.correct,"
        " score = excluded.score, max_score = excluded.max_score,"
        " reason = excluded.reason, reason_zh = excluded.reason_zh,"
        " verdict_code = excluded.verdict_code, needs_review = excluded.needs_review,"
        " started_ms = MIN(answers.started_ms, excluded.started_ms),"
        " finished_ms = MAX(answers.finished_ms, excluded.finished_ms),"
        " updated_ms = excluded.updated_ms",
        (
            a.assignment_id,
            a.question_id,
            a.student_id,
            a.reading.text,
            a.reading.confidence,
            json.dumps(candidates, ensure_ascii=False),
            None if v is None else int(v.correct),
            None if v is None else v.score,
            None if v is None else v.max_score,
            None if v is None else v.reason,
            None if v is None else v.reason_zh,
            None if v is None else v.code,
            int(a.needs_review),
            a.started_ms,
            a.finished_ms,
            now_ms,
        ),
    )

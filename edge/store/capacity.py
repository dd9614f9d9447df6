"""The disk cap of the store: a page limit, and what to drop when it is near.

SQLite's ``max_page_count`` bounds the main database file. Unlike a full
filesystem, a capped file still accepts deletes (freed pages are reused), so
the gateway can always make room. The limit is per connection, so it is kept
in ``meta`` and every new connection applies it (:func:`apply_saved_cap`).

When the used pages pass the high-water mark, :func:`make_room` drops the
least valuable data first, in the order of :data:`TIERS`, until usage is
back under the low-water mark. Clicker votes, results and grades are never
dropped: not from the outbox, not from their own tables.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

_CAP_KEY = "max_page_count"
_DROPPED_KEY = "capacity_dropped"

# Rows deleted per transaction while making room: the first batch is small
# so that a small excess costs little data, and each next one doubles (up to
# the last) so that a large excess needs few transactions (fsyncs).
DROP_BATCH_FIRST = 16
DROP_BATCH_MAX = 4096

# The drop order, least valuable first. Each statement deletes at most ``?``
# rows of its tier, oldest first.
TIERS: tuple[tuple[str, str], ...] = (
    # A status report is superseded by the next one: keep only the newest.
    (
        "status",
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE kind = 'status'"
        " AND id < (SELECT MAX(id) FROM outbox WHERE kind = 'status')"
        " ORDER BY id LIMIT ?)",
    ),
    # Raw ink waiting for the city: the grades it led to are kept.
    (
        "ink_uplink",
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE kind = 'ink'"
        " ORDER BY id LIMIT ?)",
    ),
    # Ink written outside every answer region.
    (
        "stray_strokes",
        "DELETE FROM strokes WHERE id IN (SELECT id FROM strokes"
        " WHERE question_id IS NULL ORDER BY id LIMIT ?)",
    ),
    # Ink of answers already graded and not waiting for review: only the
    # teacher's replay of them is lost.
    (
        "graded_strokes",
        "DELETE FROM strokes WHERE id IN (SELECT s.id FROM strokes s JOIN answers a"
        " ON a.assignment_id = s.assignment_id AND a.student_id = s.student_id"
        " AND a.question_id = s.question_id"
        " WHERE a.correct IS NOT NULL AND a.needs_review = 0 ORDER BY s.id LIMIT ?)",
    ),
    # Progress snapshots: each is superseded by a later one, and the city can
    # rebuild progress from the results.
    (
        "progress_uplink",
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
        " WHERE kind = 'progress' ORDER BY id LIMIT ?)",
    ),
)


@dataclass(frozen=True, slots=True)
class Usage:
    """Pages in use against the cap (``max_pages`` 0 means no cap)."""

    used_pages: int
    max_pages: int
    page_size: int

    @property
    def fraction(self) -> float:
        """Used share of the cap, 0.0 without a cap."""
        return self.used_pages / self.max_pages if self.max_pages else 0.0

    @property
    def used_bytes(self) -> int:
        """Bytes in use."""
        return self.used_pages * self.page_size

    @property
    def cap_bytes(self) -> int:
        """The cap in bytes (0 without one)."""
        return self.max_pages * self.page_size


@dataclass(frozen=True, slots=True)
class Dropped:
    """What one :func:`make_room` pass removed, per tier, and the outcome."""

    before: Usage
    after: Usage
    counts: dict[str, int] = field(default_factory=dict)
    exhausted: bool = False  # nothing droppable left and still above low water

    @property
    def total(self) -> int:
        """Rows dropped over all tiers."""
        return sum(self.counts.values())


def set_cap(conn: sqlite3.Connection, max_bytes: int) -> int:
    """Cap the file at ``max_bytes`` (0 removes the cap); returns the page limit.

    The limit is stored in ``meta`` so that connections opened later apply it
    too. SQLite never sets a limit below the current page count.
    """
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    pages = max_bytes // page_size if max_bytes > 0 else 0
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (_CAP_KEY, str(pages)),
    )
    return _apply(conn, pages)


def apply_saved_cap(conn: sqlite3.Connection) -> int:
    """Apply the stored cap to a fresh connection; 0 if none is stored yet."""
    try:
        row = conn.execute(
            "SELECT value FROM meta WHERE key = ?", (_CAP_KEY,)
        ).fetchone()
    except sqlite3.OperationalError:
        return 0  # a new file: the meta table comes with the first migration
    return _apply(conn, int(row[0])) if row else 0


def _apply(conn: sqlite3.Connection, pages: int) -> int:
    # SQLite's own ceiling stands for "no cap".
    limit = pages if pages > 0 else 0xFFFFFFFE
    return int(conn.execute(f"PRAGMA max_page_count = {int(limit)}").fetchone()[0])


def usage(conn: sqlite3.Connection) -> Usage:
    """Pages in use now (free-list pages are reusable, so they do not count)."""
    page_count = int(conn.execute("PRAGMA page_count").fetchone()[0])
    free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_CAP_KEY,)).fetchone()
    return Usage(page_count - free, int(row[0]) if row else 0, page_size)


def make_room(
    conn: sqlite3.Connection, high_water: float = 0.9, low_water: float = 0.8
) -> Dropped:
    """Drop the least valuable data until usage is under ``low_water``.

    Does nothing below ``high_water``. Runs its own short transactions, so
    call it outside any transaction. Logs and records what it dropped.
    """
    before = usage(conn)
    if not before.max_pages or before.fraction < high_water:
        return Dropped(before, before)

    counts: dict[str, int] = {}
    for tier, statement in TIERS:
        batch = DROP_BATCH_FIRST
        while usage(conn).fraction >= low_water:
            n = _drop_some(conn, statement, batch)
            if not n:
                break
            counts[tier] = counts.get(tier, 0) + n
            batch = min(DROP_BATCH_MAX, batch * 2)
    after = usage(conn)
    _record(conn, counts)
    dropped = Dropped(before, after, counts, exhausted=after.fraction >= low_water)
    _log(dropped)
    return dropped


def _drop_some(conn: sqlite3.Connection, statement: str, batch: int) -> int:
    conn.execute("BEGIN IMMEDIATE")
    try:
        n = conn.execute(statement, (batch,)).rowcount
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return int(n)


def _record(conn: sqlite3.Connection, counts: dict[str, int]) -> None:
    if not counts:
        return
    totals = dropped_totals(conn)
    for tier, n in counts.items():
        totals[tier] = totals.get(tier, 0) + n
    # An update of an existing row reuses its page: this works at the cap.
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (_DROPPED_KEY, json.dumps(totals, sort_keys=True)),
    )


def dropped_totals(conn: sqlite3.Connection) -> dict[str, int]:
    """Everything the cap ever dropped, per tier, since the file was made."""
    row = conn.execute(
        "SELECT value FROM meta WHERE key = ?", (_DROPPED_KEY,)
    ).fetchone()
    return {str(k): int(v) for k, v in json.loads(row[0]).items()} if row else {}


def _log(dropped: Dropped) -> None:
    if dropped.total:
        log.warning(
            "disk cap: used %.0f%% of %s bytes, dropped %s; now %.0f%%",
            100 * dropped.before.fraction,
            dropped.before.cap_bytes,
            dropped.counts,
            100 * dropped.after.fraction,
        )
    if dropped.exhausted:
        log.error(
            "disk cap: store %.0f%% full and nothing left to drop (votes, results"
            " and grades are kept); raise the cap or restore the uplink",
            100 * dropped.after.fraction,
        )

"""The outbox: messages for the city, written with the data they carry.

Each message gets its envelope here, inside the caller's transaction, so a
result and its outbox row commit or vanish together. ``seq`` comes from a
counter in ``meta`` and is therefore gapless and survives restarts. The
envelope is checked against its kind's JSON Schema here too, once, where it
is built: one that breaks the contract goes to ``outbox_parked`` with the
reason instead of the outbox, so it is kept but never sent, and the drain
need not check every message again on its way out.

The uplink reads rows with :func:`next_batch`, deletes a row only once the
broker acknowledged that very message (:func:`delete`), and moves a row the
broker refused for good aside with :func:`park`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any

from edge.errors import StoreError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

# Lower number leaves first. Votes and grades before progress and mastery,
# raw ink last: the order the disk cap also protects.
PRIORITY = {
    "vote": 0,
    "result": 0,
    "status": 1,
    "progress": 2,
    "mastery": 3,
    "homework_time": 3,
    "report": 4,
    "ink": 9,
}
DEFAULT_PRIORITY = 5

_COLUMNS = "id, seq, msg_id, kind, priority, created_ms, payload"
_MARKS = ", ".join("?" * len(_COLUMNS.split(", ")))


class StoreFullError(StoreError):
    """The store reached its disk cap and nothing droppable is left."""


def is_full_error(exc: sqlite3.Error) -> bool:
    """Whether SQLite refused a write because the file reached its page limit."""
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


def next_seq(conn: sqlite3.Connection) -> int:
    """Take the next uplink sequence number; the caller's transaction commits it."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'outbox_seq'").fetchone()
    seq = int(row[0]) + 1 if row else 1
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('outbox_seq', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (str(seq),),
    )
    return seq


def last_seq(conn: sqlite3.Connection) -> int:
    """The highest sequence number handed out so far (0 before the first)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'outbox_seq'").fetchone()
    return int(row[0]) if row else 0


def enqueue(
    conn: sqlite3.Connection, gateway: str, kind: str, data: Any, now_ms: int
) -> int:
    """Write one enveloped message; returns its sequence number.

    A message that fails its schema is parked (kept with the reason, never
    sent) and the caller's transaction goes on: the result it reports is
    stored all the same.
    """
    try:
        seq = next_seq(conn)
        envelope = _envelope(gateway, kind, seq, data, now_ms)
        payload = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
        row = (seq, envelope["id"], kind, priority(kind), now_ms, payload)
        problem = payload_problem(payload)
        if problem is None:
            conn.execute(_INSERT, row)
        else:
            log.error("outbox: %s message seq %s kept aside: %s", kind, seq, problem)
            conn.execute(_INSERT_PARKED, (*row, problem, now_ms))
    except sqlite3.OperationalError as exc:
        if is_full_error(exc):
            raise StoreFullError(
                f"outbox full, {kind} message not stored: {exc}"
            ) from exc
        raise
    return seq


_INSERT = (
    "INSERT INTO outbox (seq, msg_id, kind, priority, created_ms, payload)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_PARKED = (
    "INSERT INTO outbox_parked (seq, msg_id, kind, priority, created_ms, payload,"
    " reason, parked_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def priority(kind: str) -> int:
    """Where messages of ``kind`` stand in the drain order (lower leaves first)."""
    return PRIORITY.get(kind, DEFAULT_PRIORITY)


def payload_problem(payload: str | bytes) -> str | None:
    """Why a message breaks the uplink contract (its JSON Schema), or None."""
    # Imported here: the uplink package imports the store.
    from edge.uplink.validation import payload_problem as check

    return check(payload)


_CHECK_MARK = "SELECT value FROM meta WHERE key = 'outbox_unchecked_through'"


def has_check_mark(conn: sqlite3.Connection) -> bool:
    """Whether :func:`mark_checked_from` has run on this file."""
    return conn.execute(_CHECK_MARK).fetchone() is not None


def mark_checked_from(conn: sqlite3.Connection) -> None:
    """Note, once, that messages queued from now on were checked in
    :func:`enqueue`: the store calls this when it opens the file, so rows an
    older gateway queued without the check stay marked as unchecked."""
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value)"
        " VALUES ('outbox_unchecked_through', ?)",
        (str(last_seq(conn)),),
    )


def unchecked_through(conn: sqlite3.Connection) -> int:
    """Messages up to this sequence number may predate the check in
    :func:`enqueue`: the drain checks those itself. Without the mark (the
    store could not write it at the disk cap) every message so far counts."""
    row = conn.execute(_CHECK_MARK).fetchone()
    return int(row[0]) if row is not None else last_seq(conn)


def _envelope(
    gateway: str, kind: str, seq: int, data: Any, now_ms: int
) -> dict[str, Any]:
    return {
        "v": SCHEMA_VERSION,
        "gateway": gateway,
        "seq": seq,
        "id": str(uuid.uuid4()),
        "kind": kind,
        "sent_at": datetime.fromtimestamp(now_ms / 1000, UTC).isoformat(),
        "data": data,
    }


def pending(conn: sqlite3.Connection, limit: int) -> list[sqlite3.Row]:
    """The next messages to send, most valuable first, oldest first within that."""
    return conn.execute(
        "SELECT id, seq, msg_id, kind, payload FROM outbox"
        " ORDER BY priority, id LIMIT ?",
        (limit,),
    ).fetchall()


def next_batch(
    conn: sqlite3.Connection,
    limit: int,
    *,
    live_after: int = 0,
    skip: Collection[int] = (),
    withheld: Collection[str] = (),
    below: int | None = None,
) -> list[sqlite3.Row]:
    """Up to ``limit`` rows to send next, in drain order.

    Order: priority first; within a priority, live rows (id above
    ``live_after``) before the backlog; oldest first within each. Rows in
    ``skip`` (already in flight), kinds in ``withheld`` and, if ``below`` is
    given, priorities not under it are left out.
    """
    skip_json = json.dumps(sorted(skip))
    withheld_json = json.dumps(sorted(withheld))
    rows: list[sqlite3.Row] = []
    for priority in _priorities(withheld):
        if below is not None and priority >= below:
            break
        for live in (True, False):
            need = limit - len(rows)
            if need <= 0:
                return rows
            rows += conn.execute(
                _BATCH_LIVE if live else _BATCH_BACKLOG,
                (priority, live_after, skip_json, withheld_json, need),
            ).fetchall()
    return rows


_BATCH_WHERE = (
    f"SELECT {_COLUMNS} FROM outbox WHERE priority = ? AND id {{op}} ?"
    " AND id NOT IN (SELECT value FROM json_each(?))"
    " AND kind NOT IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?"
)
_BATCH_LIVE = _BATCH_WHERE.format(op=">")
_BATCH_BACKLOG = _BATCH_WHERE.format(op="<=")


def _priorities(withheld: Collection[str]) -> list[int]:
    """Priorities that may hold sendable rows (a level of only withheld kinds
    is skipped so that a large withheld backlog costs no scan)."""
    levels = {DEFAULT_PRIORITY}
    levels.update(p for k, p in PRIORITY.items() if k not in withheld)
    return sorted(levels)


def max_id(conn: sqlite3.Connection) -> int:
    """The newest row id in the outbox (0 when empty)."""
    return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM outbox").fetchone()[0])


def delete(conn: sqlite3.Connection, row_ids: Iterable[int]) -> None:
    """Remove messages the broker acknowledged."""
    conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in row_ids])


def count(conn: sqlite3.Connection) -> int:
    """How many messages wait for the broker."""
    return int(conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])


def count_sendable(conn: sqlite3.Connection, withheld: Collection[str]) -> int:
    """How many messages wait for the broker, leaving out withheld kinds."""
    total = count(conn)
    if not withheld:
        return total
    # A row's priority is fixed by its kind at enqueue, so the withheld rows
    # sit at their kinds' levels: the index finds them without reading every
    # payload (a whole-table scan took tens of ms with a large backlog).
    levels = sorted({priority(kind) for kind in withheld})
    row = conn.execute(
        "SELECT COUNT(*) FROM outbox"
        " WHERE priority IN (SELECT value FROM json_each(?))"
        " AND kind IN (SELECT value FROM json_each(?))",
        (json.dumps(levels), json.dumps(sorted(withheld))),
    ).fetchone()
    return total - int(row[0])


def park(conn: sqlite3.Connection, row_id: int, reason: str, now_ms: int) -> bool:
    """Move one message aside for the operator; False if it was already gone."""
    # The row keeps its id (its place in the drain order when unparked) unless
    # a parked row holds it already: outbox ids are reused once the newest
    # rows are deleted, and rows parked at enqueue have ids of their own.
    moved = conn.execute(
        f"INSERT INTO outbox_parked ({_COLUMNS}, reason, parked_ms)"
        " SELECT CASE WHEN EXISTS (SELECT 1 FROM outbox_parked WHERE id = ?)"
        f" THEN NULL ELSE id END, {_COLUMNS.removeprefix('id, ')}, ?, ?"
        " FROM outbox WHERE id = ?",
        (row_id, reason, now_ms, row_id),
    ).rowcount
    conn.execute("DELETE FROM outbox WHERE id = ?", (row_id,))
    return moved == 1


def parked(conn: sqlite3.Connection, limit: int = 100) -> list[sqlite3.Row]:
    """Parked messages with the reason each was refused, oldest first."""
    return conn.execute(
        f"SELECT {_COLUMNS}, reason, parked_ms FROM outbox_parked ORDER BY id LIMIT ?",
        (limit,),
    ).fetchall()


def parked_count(conn: sqlite3.Connection) -> int:
    """How many messages the broker refused for good."""
    return int(conn.execute("SELECT COUNT(*) FROM outbox_parked").fetchone()[0])


def unpark(conn: sqlite3.Connection) -> int:
    """Put parked messages back in the outbox (after the operator fixed the
    cause, for example the broker's ACL); returns how many.

    A message that still fails its schema stays parked: nothing invalid
    reaches the outbox, whose rows the drain sends without another check.
    """
    moved = 0
    for row in conn.execute(f"SELECT {_COLUMNS} FROM outbox_parked").fetchall():
        problem = payload_problem(row["payload"])
        if problem is not None:
            conn.execute(
                "UPDATE outbox_parked SET reason = ? WHERE id = ?", (problem, row["id"])
            )
            continue
        taken = conn.execute("SELECT 1 FROM outbox WHERE id = ?", (row["id"],))
        # A parked row keeps its place in the drain order unless a newer
        # message took its id meanwhile.
        values = (row["id"] if taken.fetchone() is None else None, *tuple(row)[1:])
        conn.execute(f"INSERT INTO outbox ({_COLUMNS}) VALUES ({_MARKS})", values)
        conn.execute("DELETE FROM outbox_parked WHERE id = ?", (row["id"],))
        moved += 1
    return moved

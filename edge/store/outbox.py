"""The outbox: messages for the city, written with the data they carry.

Each message gets its envelope here, inside the caller's transaction, so a
result and its outbox row commit or vanish together. ``seq`` comes from a
counter in ``meta`` and is therefore gapless and survives restarts.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any

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


def enqueue(
    conn: sqlite3.Connection, gateway: str, kind: str, data: Any, now_ms: int
) -> int:
    """Write one enveloped message; returns its sequence number."""
    seq = next_seq(conn)
    envelope = {
        "v": SCHEMA_VERSION,
        "gateway": gateway,
        "seq": seq,
        "id": str(uuid.uuid4()),
        "kind": kind,
        "sent_at": datetime.fromtimestamp(now_ms / 1000, UTC).isoformat(),
        "data": data,
    }
    conn.execute(
        "INSERT INTO outbox (seq, msg_id, kind, priority, created_ms, payload)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            seq, envelope["id"], kind, PRIORITY.get(kind, 5), now_ms,
            json.dumps(envelope, ensure_ascii=False, separators=(",", ":")),
        ),
    )
    return seq


def pending(conn: sqlite3.Connection, limit: int) -> list[sqlite3.Row]:
    """The next messages to send, most valuable first, oldest first within that."""
    return conn.execute(
        "SELECT id, seq, msg_id, kind, payload FROM outbox ORDER BY priority, id LIMIT ?",
        (limit,),
    ).fetchall()


def delete(conn: sqlite3.Connection, row_ids: list[int]) -> None:
    """Remove messages the broker acknowledged."""
    conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in row_ids])


def count(conn: sqlite3.Connection) -> int:
    """How many messages wait for the broker."""
    return int(conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

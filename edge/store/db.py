"""Opening the SQLite file and migrating its schema.

Every connection runs in WAL mode with ``synchronous=FULL``: a row the gateway
has acknowledged (to a pen, a clicker or the broker) survives a power cut.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from edge.errors import StoreError
from edge.store import capacity
from edge.store.schema import MIGRATIONS

log = logging.getLogger(__name__)

# Readers wait this long for a writer before giving up; a batch commit of a
# whole class's ink takes milliseconds, so seconds mean something is stuck.
BUSY_TIMEOUT_MS = 10_000

# Page cache per connection, in KiB.
CACHE_KIB = 256


def connect(path: Path | str) -> sqlite3.Connection:
    """Open the store file with the gateway's durability settings."""
    try:
        conn = sqlite3.connect(
            str(path),
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc

    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # Every thread that touches the store has its own connection (two dozen
    # with the page's threads); SQLite's default 2 MB page cache each would be
    # a fifth of the gateway's memory. The OS caches the file for all of them.
    conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    # The disk cap is a per-connection setting: every connection applies it.
    capacity.apply_saved_cap(conn)
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The highest migration applied to this file (0 for a new file)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)"
    )
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, now_ms: Callable[[], int]) -> int:
    """Apply every migration newer than the file's version, each atomically."""
    current = schema_version(conn)
    if current > len(MIGRATIONS):
        raise StoreError(
            f"database schema version {current} is newer than this gateway "
            f"({len(MIGRATIONS)}); install the newer gateway or restore a backup"
        )

    for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
        log.info("migrating store to schema version %s", version)
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version (version, applied_ms) VALUES (?, ?)",
                (version, now_ms()),
            )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise StoreError(f"migration {version} failed: {exc}") from exc
    return len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]

"""Care of the store file itself: integrity checks, online backups, digests.

These work on a path rather than on an open :class:`~edge.store.Store`, so
``doctor`` and ``backup`` can use them while the service runs: SQLite's online
backup API copies a consistent snapshot even with a writer active.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import time
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.errors import StoreError
from edge.store import db
from edge.store.schema import MIGRATIONS

log = logging.getLogger(__name__)

# Pages copied per backup step; between steps the writer may go on, so the
# service is never held up for more than one step's worth of reads.
BACKUP_PAGES_PER_STEP = 256

# integrity_check stops after this many problems: enough to judge the damage.
MAX_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class Integrity:
    """The outcome of ``PRAGMA integrity_check`` on one file."""

    path: Path
    ok: bool
    problems: tuple[str, ...]
    schema_version: int | None


def _open_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StoreError(f"database {path} does not exist")
    try:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc


def _schema_version(conn: sqlite3.Connection) -> int | None:
    try:
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    except sqlite3.Error:
        return None
    return None if row is None or row[0] is None else int(row[0])


def integrity_check(path: Path | str) -> Integrity:
    """Run SQLite's full integrity check on a store file, read-only."""
    path = Path(path)
    with closing(_open_read_only(path)) as conn:
        try:
            rows = conn.execute(f"PRAGMA integrity_check({MAX_PROBLEMS})").fetchall()
        except sqlite3.DatabaseError as exc:
            # A file with a garbled header fails before the check can start.
            return Integrity(path, False, (str(exc),), None)
        problems = tuple(str(r[0]) for r in rows if r[0] != "ok")
        return Integrity(path, not problems, problems, _schema_version(conn))


def current_schema_version() -> int:
    """The schema version this gateway writes."""
    return len(MIGRATIONS)


def backup_to(source: Path | str, target: Path | str) -> Path:
    """Copy a consistent snapshot of a live store file to ``target``."""
    source, target = Path(source), Path(target)
    if target.exists():
        raise StoreError(f"backup target {target} already exists")
    with closing(_open_read_only(source)) as src:
        try:
            with closing(sqlite3.connect(target)) as dst:
                src.backup(dst, pages=BACKUP_PAGES_PER_STEP)
                # A single-file copy travels better than one with a -wal beside it.
                dst.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.Error as exc:
            target.unlink(missing_ok=True)
            raise StoreError(f"backup of {source} failed: {exc}") from exc
    log.info("backed up %s to %s", source, target)
    return target


def content_digest(path: Path | str) -> str:
    """A SHA-256 over every table's rows, equal for files with equal data."""
    digest = hashlib.sha256()
    with closing(_open_read_only(Path(path))) as conn:
        try:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            for table in tables:
                digest.update(f"\x00{table}\x00".encode())
                for row in _rows_in_order(conn, table):
                    digest.update(repr(tuple(row)).encode())
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read database {path}: {exc}") from exc
    return digest.hexdigest()


def _rows_in_order(conn: sqlite3.Connection, table: str) -> Iterable[Any]:
    try:
        return conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
    except sqlite3.OperationalError:
        # A table without rowid: its rows sorted by value instead.
        return sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)


def create_empty(path: Path | str) -> int:
    """Create (or migrate) a store file without keeping it open; gives its version."""
    with closing(db.connect(path)) as conn:
        return db.migrate(conn, _now_ms)


def _now_ms() -> int:
    return int(time.time() * 1000)


def device_counts(path: Path | str) -> dict[str, int]:
    """How many pens and clickers are bound to students, read-only."""
    with closing(_open_read_only(Path(path))) as conn:
        try:
            rows = conn.execute(
                "SELECT kind, COUNT(*) FROM devices WHERE student_id IS NOT NULL"
                " GROUP BY kind"
            ).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read devices from {path}: {exc}") from exc
    return {str(kind): int(n) for kind, n in rows}

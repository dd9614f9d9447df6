"""Store ingest: dots per second committed, against raw sqlite3 in the same run.

The gateway commits strokes in batches (one transaction per worker tick), in
WAL mode with ``synchronous=FULL``. The same strokes go in three ways, each
into a new file on the same disk with the same settings:

- ``store``: ``Store.add_strokes``, the gateway's own path;
- ``raw_blob``: bare ``executemany`` of the same rows, dots packed into one
  blob per stroke as the store does (the floor the store can reach);
- ``raw_per_dot``: bare ``executemany`` of one row per dot (the obvious
  schema the store does not use).

    .venv/bin/python benchmarks/bench_ingest.py [--dots N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.bench_pen_decode import session
from edge.models import Stroke
from edge.store import Store

# One worker tick under a full class: about one finished stroke per pen.
BATCH_STROKES = 50
_DOT = struct.Struct("<ffHq")
Rows = list[tuple[Stroke, str | None, str | None, str | None]]


def batches(dots: int, per_batch: int) -> list[Rows]:
    """The session's strokes as store rows, ``per_batch`` strokes a commit."""
    rows: Rows = [
        (stroke, f"s{i % 50:02d}", "math-g8-01-fractions", f"q{i % 14 + 1}")
        for i, stroke in enumerate(session(dots))
    ]
    return [rows[i : i + per_batch] for i in range(0, len(rows), per_batch)]


def through_store(folder: Path, work: list[Rows]) -> float:
    """Seconds to commit every batch with ``Store.add_strokes``."""
    store = Store(folder / "store.db", "gw-bench")
    try:
        started = time.perf_counter()
        for rows in work:
            store.add_strokes(rows)
        return time.perf_counter() - started
    finally:
        store.close()


def _raw(path: Path, *schema: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    for statement in schema:
        conn.execute(statement)
    return conn


def _pack(stroke: Stroke) -> bytes:
    return b"".join(_DOT.pack(d.x, d.y, d.force, d.t_ms) for d in stroke.dots)


def raw_blob(folder: Path, work: list[Rows]) -> float:
    """Seconds for bare inserts of one blob row per stroke, one commit a batch."""
    conn = _raw(
        folder / "raw-blob.db",
        "CREATE TABLE strokes (id INTEGER PRIMARY KEY, pen TEXT, page TEXT,"
        " student_id TEXT, assignment_id TEXT, question_id TEXT, start_ms INTEGER,"
        " end_ms INTEGER, n_dots INTEGER, dots BLOB)",
        # The same index as the store's, so both pay for it.
        "CREATE INDEX strokes_by_answer ON strokes"
        " (assignment_id, student_id, question_id)",
    )
    started = time.perf_counter()
    for rows in work:
        params = [
            (s.pen, str(s.page), who, a, q, s.dots[0].t_ms, s.dots[-1].t_ms,
             len(s.dots), _pack(s))
            for s, who, a, q in rows
        ]  # fmt: skip
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO strokes (pen, page, student_id, assignment_id, question_id,"
            " start_ms, end_ms, n_dots, dots) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params,
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def raw_per_dot(folder: Path, work: list[Rows]) -> float:
    """Seconds for bare inserts of one row per dot, one commit a batch."""
    conn = _raw(
        folder / "raw-dot.db",
        "CREATE TABLE dots (id INTEGER PRIMARY KEY, pen TEXT, stroke INTEGER,"
        " x REAL, y REAL, force INTEGER, t_ms INTEGER)",
    )
    started = time.perf_counter()
    for n, rows in enumerate(work):
        params = [
            (s.pen, n * 1000 + i, d.x, d.y, d.force, d.t_ms)
            for i, (s, _, _, _) in enumerate(rows)
            for d in s.dots
        ]
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO dots (pen, stroke, x, y, force, t_ms)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            params,
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


WAYS: dict[str, Callable[[Path, list[Rows]], float]] = {
    "store": through_store,
    "raw_blob": raw_blob,
    "raw_per_dot": raw_per_dot,
}


def measure(folder: Path, dots: int, repeats: int) -> dict[str, Any]:
    """Median dots per second of each way, interleaved so load hits all alike."""
    work = batches(dots, BATCH_STROKES)
    total = sum(len(s.dots) for rows in work for s, _, _, _ in rows)
    seconds: dict[str, list[float]] = {name: [] for name in WAYS}
    for attempt in range(repeats):
        for name, way in WAYS.items():
            run_folder = folder / f"ingest-{attempt}-{name}"
            run_folder.mkdir(parents=True)
            seconds[name].append(way(run_folder, work))
    rates = {name: total / statistics.median(s) for name, s in seconds.items()}
    single = _one_stroke_per_commit(folder, dots // 20)
    return {
        "dots": total,
        "strokes_per_commit": BATCH_STROKES,
        "commits": len(work),
        "passes": repeats,
        "store_dots_per_s": round(rates["store"]),
        "raw_blob_dots_per_s": round(rates["raw_blob"]),
        "raw_per_dot_dots_per_s": round(rates["raw_per_dot"]),
        "store_vs_raw_blob": round(rates["store"] / rates["raw_blob"], 3),
        "store_ms_per_commit": round(
            statistics.median(seconds["store"]) / len(work) * 1000, 3
        ),
        "store_one_stroke_per_commit_dots_per_s": single,
    }


def _one_stroke_per_commit(folder: Path, dots: int) -> int:
    """Dots per second when every stroke is its own commit (no batching)."""
    work = batches(max(dots, 600), 1)
    total = sum(len(s.dots) for rows in work for s, _, _, _ in rows)
    run_folder = folder / "ingest-unbatched"
    run_folder.mkdir(parents=True)
    return round(total / through_store(run_folder, work))


def main() -> None:
    """Print the ingest rates of the store and of raw sqlite3."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dots", type=int, default=300_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(Path(tmp), args.dots, args.repeats)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:40} {value}")


if __name__ == "__main__":
    main()

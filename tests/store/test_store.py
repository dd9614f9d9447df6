"""The store: schema, durability settings, transactions and the outbox."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from edge.errors import StoreError
from edge.models import (
    Answer,
    Candidate,
    Dot,
    PageAddress,
    Reading,
    Stroke,
    Student,
    Verdict,
    Vote,
)
from edge.store import Store
from edge.store.ink import pack_dots, unpack_dots
from edge.store.schema import MIGRATIONS
from edge.uplink.payloads import result_record

PAGE = PageAddress(3, 27, 1001, 1)


def stroke(t0: int, pen: str = "AA:BB") -> Stroke:
    return Stroke(
        pen, PAGE, tuple(Dot(10 + i * 0.25, 20.5, 300, t0 + i * 8) for i in range(5))
    )


def answer(student: str = "s01", reading: str = "-3/4", correct: bool = True) -> Answer:
    return Answer(
        "math-1",
        "q1",
        student,
        (),
        Reading((Candidate(reading, 0.99),)),
        Verdict(correct, 1.0 if correct else 0.0, 1.0, "ok", "对", "exact"),
        started_ms=100,
        finished_ms=200,
    )


def test_new_file_is_migrated_with_wal_and_full_sync(store: Store) -> None:
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # synchronous FULL is 2.
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_version")]
    assert versions == list(range(1, len(MIGRATIONS) + 1))


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    Store(tmp_path / "a.db", "gw").close()
    again = Store(tmp_path / "a.db", "gw")
    rows = again.conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0]
    assert rows == len(MIGRATIONS)
    again.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    s = Store(tmp_path / "a.db", "gw")
    s.conn.execute("INSERT INTO schema_version VALUES (999, 0)")
    s.close()
    with pytest.raises(StoreError, match="newer than this gateway"):
        Store(tmp_path / "a.db", "gw")


def test_unopenable_file_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        Store(tmp_path / "missing-dir" / "a.db", "gw")


def test_dots_round_trip_through_the_blob() -> None:
    dots = stroke(1_000).dots
    assert unpack_dots(pack_dots(dots)) == dots


def test_strokes_are_stored_and_read_back_in_time_order(store: Store) -> None:
    later, earlier = stroke(2_000), stroke(1_000)
    store.add_strokes(
        [(later, "s01", "math-1", "q1"), (earlier, "s01", "math-1", "q1")]
    )
    assert store.answer_strokes("math-1", "s01", "q1") == [earlier, later]


def test_answer_and_its_outbox_message_commit_together(store: Store) -> None:
    record = result_record(answer(), "p-0001")
    store.save_answer(answer(), record)
    counts = store.counts()
    assert counts["answers_graded"] == 1
    assert counts["outbox_pending"] == 1
    payload = json.loads(store.conn.execute("SELECT payload FROM outbox").fetchone()[0])
    assert payload["kind"] == "result"
    assert payload["gateway"] == "gw-test"
    assert payload["seq"] == 1
    assert payload["data"] == record


def test_failed_transaction_leaves_neither_answer_nor_message(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError), store.transaction() as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('x', '1')")
        conn.execute("INSERT INTO meta (key, value) VALUES ('x', '2')")
    assert (
        store.conn.execute("SELECT COUNT(*) FROM meta WHERE key='x'").fetchone()[0] == 0
    )


def test_rewritten_answer_replaces_the_old_reading(store: Store) -> None:
    store.save_answer(answer(reading="3/4", correct=False), None)
    store.save_answer(answer(reading="-3/4", correct=True), None)
    rows = store.answers("math-1")
    assert [(r["reading"], r["correct"]) for r in rows] == [("-3/4", 1)]


def test_sequence_numbers_are_gapless_across_restarts(tmp_path: Path) -> None:
    first = Store(tmp_path / "a.db", "gw")
    seqs = [first.enqueue("status", {}) for _ in range(3)]
    first.close()
    second = Store(tmp_path / "a.db", "gw")
    seqs += [second.enqueue("status", {}) for _ in range(2)]
    second.close()
    assert seqs == [1, 2, 3, 4, 5]


def test_nested_transactions_join_the_outer_one(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.enqueue("status", {})
        raise RuntimeError("abort")
    assert store.outbox_count() == 0


def test_roster_bindings_and_votes(store: Store, clock: object) -> None:
    store.save_students(
        [Student("s01", "王一", "p-1", 1), Student("s02", "李二", "p-2", 2)]
    )
    store.bind_device("aa:bb", "pen", "s01")
    store.bind_device("0A0001", "clicker", "s02")
    assert store.device_bindings("pen") == {"AA:BB": "s01"}
    store.add_votes([(Vote("0A0001", "B", 7, -60, 5, "poll-1"), "s02", True)])
    assert store.counts()["votes"] == 1
    assert [s.name for s in store.students()] == ["王一", "李二"]

"""The disk cap on a real SQLite file: full means full, deletes still work,
and the least valuable data goes first."""

from __future__ import annotations

import threading

import pytest

from edge.models import (
    Answer,
    Candidate,
    Dot,
    PageAddress,
    Reading,
    Stroke,
    Verdict,
    Vote,
)
from edge.store import Store, capacity, outbox
from edge.store.outbox import StoreFullError
from tests.uplink.helpers import enqueue_many, ink_data, result_data, vote_data

PAGE = PageAddress(3, 27, 603, 1)
CAP = 256 * 1024


def stroke(i: int) -> Stroke:
    dots = tuple(Dot(float(k), float(k), 300, 1_000 * i + k) for k in range(120))
    return Stroke("9C:7B:D2:00:11:22", PAGE, dots)


def count(store: Store, sql: str) -> int:
    return int(store.conn.execute(sql).fetchone()[0])


def fill(store: Store) -> tuple[int, int]:
    """Write ink, results and votes until the store is full; (results, votes)."""
    results = votes = 0
    with pytest.raises(StoreFullError):
        for i in range(100_000):
            enqueue_many(store, "ink", 2, ink_data, start=i)
            results += len(enqueue_many(store, "result", 1, start=i))
            votes += len(enqueue_many(store, "vote", 1, vote_data, start=i))
    return results, votes


def test_cap_applies_to_every_connection_of_the_file(store: Store) -> None:
    pages = capacity.set_cap(store.conn, CAP)
    assert pages == CAP // 4096
    seen: list[int] = []
    thread = threading.Thread(
        target=lambda: seen.append(
            int(store.conn.execute("PRAGMA max_page_count").fetchone()[0])
        )
    )
    thread.start()
    thread.join()
    assert seen == [pages]  # a connection opened later, on another thread
    assert capacity.usage(store.conn).cap_bytes == CAP


def test_a_full_store_refuses_writes_but_still_deletes(store: Store) -> None:
    capacity.set_cap(store.conn, CAP)
    fill(store)
    assert capacity.usage(store.conn).fraction > 0.95
    with store.transaction() as conn:
        outbox.delete(conn, [r["id"] for r in outbox.pending(conn, 20)])
    enqueue_many(store, "result", 1, start=10**6)  # room again, no VACUUM needed


def test_make_room_drops_ink_and_keeps_every_vote_and_result(store: Store) -> None:
    capacity.set_cap(store.conn, CAP)
    results, votes = fill(store)

    dropped = capacity.make_room(store.conn)

    assert dropped.counts.keys() == {"ink_uplink"}
    assert dropped.after.fraction < 0.8 <= dropped.before.fraction
    assert not dropped.exhausted
    assert count(store, "SELECT COUNT(*) FROM outbox WHERE kind = 'result'") == results
    assert count(store, "SELECT COUNT(*) FROM outbox WHERE kind = 'vote'") == votes
    assert capacity.dropped_totals(store.conn) == dropped.counts
    # Oldest ink first: what is left is the newest.
    left = [r[0] for r in store.conn.execute("SELECT seq FROM outbox WHERE kind='ink'")]
    assert left == sorted(left) and (not left or min(left) > 2)


def test_drop_order_follows_the_tiers(store: Store) -> None:
    capacity.set_cap(store.conn, 4 * CAP)
    graded = Answer(
        "a1",
        "q1",
        "s1",
        (),
        Reading((Candidate("3", 0.9),)),
        Verdict(True, 1, 1, "ok", "对"),
    )
    store.save_answer(graded, result_data(0))
    store.add_strokes([(stroke(i), "s1", "a1", "q1") for i in range(40)])  # graded ink
    store.add_strokes([(stroke(i), "s1", None, None) for i in range(40)])  # stray ink
    enqueue_many(
        store, "status", 3, lambda i: {"event": "periodic", "outbox_pending": i}
    )
    enqueue_many(
        store,
        "mastery",
        20,
        lambda i: {"student": "p-1", "knowledge_point": f"k{i}", "p_mastered": 0.5},
    )
    enqueue_many(store, "ink", 30, ink_data)
    store.add_votes([(Vote("C1", "A", i, -50, i), "s1", True) for i in range(50)])
    fill(store)

    dropped = capacity.make_room(store.conn, high_water=0.5, low_water=0.05)

    tiers = [t for t, _ in capacity.TIERS]
    emptied = [t for t in tiers if t in dropped.counts]
    assert emptied == tiers[: len(emptied)]  # a tier only after all before it
    assert dropped.counts["status"] == 2  # the newest report is kept
    assert dropped.exhausted  # 5% is out of reach: what is left is kept
    assert count(store, "SELECT COUNT(*) FROM votes") == 50
    assert count(store, "SELECT COUNT(*) FROM answers") == 1
    assert count(store, "SELECT COUNT(*) FROM outbox WHERE kind = 'mastery'") == 20
    assert count(store, "SELECT COUNT(*) FROM outbox WHERE kind = 'ink'") == 0


def test_nothing_is_dropped_below_the_high_water_mark(store: Store) -> None:
    capacity.set_cap(store.conn, 64 * 1024 * 1024)
    enqueue_many(store, "ink", 10, ink_data)
    dropped = capacity.make_room(store.conn)
    assert dropped.total == 0 and outbox.count(store.conn) == 10


def test_without_a_cap_nothing_is_dropped(store: Store) -> None:
    enqueue_many(store, "ink", 10, ink_data)
    assert capacity.usage(store.conn).max_pages == 0
    assert capacity.make_room(store.conn).total == 0
    capacity.set_cap(store.conn, 0)
    assert capacity.usage(store.conn).fraction == 0.0

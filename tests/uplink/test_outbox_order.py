"""The outbox's drain order, parking, and its sequence numbers (real SQLite)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.store import Store, outbox
from tests.uplink.helpers import (
    DATA_FOR_KIND,
    enqueue_many,
    ink_data,
    result_data,
    vote_data,
)


def kinds_of(rows: list) -> list[str]:  # type: ignore[type-arg]
    return [r["kind"] for r in rows]


def test_votes_and_results_leave_before_progress_and_ink(store: Store) -> None:
    enqueue_many(store, "ink", 2, ink_data)
    enqueue_many(store, "status", 1, lambda i: {"event": "start", "outbox_pending": 0})
    enqueue_many(store, "result", 2)
    enqueue_many(store, "vote", 2, vote_data)
    rows = outbox.next_batch(store.conn, 10, withheld=())
    assert kinds_of(rows) == [
        "result",
        "result",
        "vote",
        "vote",
        "status",
        "ink",
        "ink",
    ]


def test_live_rows_overtake_the_backlog_of_the_same_priority(store: Store) -> None:
    backlog = enqueue_many(store, "result", 3)
    live_after = outbox.max_id(store.conn)
    live = enqueue_many(store, "result", 2, start=100)
    enqueue_many(store, "ink", 1, ink_data)
    rows = outbox.next_batch(store.conn, 10, live_after=live_after)
    assert [r["seq"] for r in rows][:5] == live + backlog
    assert kinds_of(rows)[-1] == "ink"  # live ink still waits for backlog results


def test_in_flight_rows_and_withheld_kinds_are_skipped(store: Store) -> None:
    enqueue_many(store, "result", 4)
    enqueue_many(store, "ink", 3, ink_data)
    first = outbox.next_batch(store.conn, 2, withheld={"ink"})
    rest = outbox.next_batch(
        store.conn, 10, skip={r["id"] for r in first}, withheld={"ink"}
    )
    assert len(first) == 2 and len(rest) == 2
    assert {r["id"] for r in first}.isdisjoint(r["id"] for r in rest)
    assert outbox.count(store.conn) == 7
    assert outbox.count_sendable(store.conn, {"ink"}) == 4


def test_parked_rows_wait_aside_until_unparked(store: Store) -> None:
    seqs = enqueue_many(store, "result", 3)
    row = outbox.next_batch(store.conn, 1)[0]
    with store.transaction() as conn:
        assert outbox.park(conn, row["id"], "broker refused: 0x87 Not authorized", 5)
        assert not outbox.park(conn, 999_999, "gone", 5)
    assert outbox.count(store.conn) == 2
    parked = outbox.parked(store.conn)
    assert [(p["seq"], p["reason"]) for p in parked] == [
        (seqs[0], "broker refused: 0x87 Not authorized")
    ]
    with store.transaction() as conn:
        assert outbox.unpark(conn) == 1
    assert outbox.parked_count(store.conn) == 0
    assert [r["seq"] for r in outbox.next_batch(store.conn, 5)] == seqs


def test_sequence_numbers_survive_a_restart_and_stay_gapless(store: Store) -> None:
    first = enqueue_many(store, "vote", 3, vote_data)
    with store.transaction() as conn:
        outbox.delete(conn, [r["id"] for r in outbox.pending(conn, 3)])
    path, gateway = store.path, store.gateway_id
    store.close()
    again = Store(path, gateway)
    try:
        later = enqueue_many(again, "vote", 2, vote_data)
        assert first + later == [1, 2, 3, 4, 5]
        assert outbox.last_seq(again.conn) == 5
    finally:
        again.close()


def test_a_failed_transaction_takes_its_sequence_number_back(store: Store) -> None:
    enqueue_many(store, "result", 1)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        outbox.enqueue(conn, "gw-test", "result", result_data(1), 0)
        raise RuntimeError("the answer's own write failed")
    assert enqueue_many(store, "result", 1) == [2]


def test_envelope_carries_gateway_seq_and_unique_id(store: Store) -> None:
    enqueue_many(store, "result", 3)
    envelopes = [json.loads(r["payload"]) for r in outbox.pending(store.conn, 3)]
    assert [e["seq"] for e in envelopes] == [1, 2, 3]
    assert {e["gateway"] for e in envelopes} == {"gw-test"}
    assert len({e["id"] for e in envelopes}) == 3


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.sampled_from(["vote", "result", "progress", "ink", "status"]), max_size=30
    )
)
def test_drain_order_is_priority_then_age(
    tmp_path_factory: object, kinds: list[str]
) -> None:
    folder = tmp_path_factory.mktemp("order")
    s = Store(folder / "g.db", "gw-test")
    try:
        with s.transaction() as conn:
            for i, kind in enumerate(kinds):
                outbox.enqueue(conn, "gw-test", kind, DATA_FOR_KIND[kind](i), 0)
        rows = outbox.next_batch(s.conn, 100)
        keys = [(outbox.PRIORITY[r["kind"]], r["id"]) for r in rows]
        assert keys == sorted(keys) and len(rows) == len(kinds)
    finally:
        s.close()


def test_below_leaves_out_less_valuable_priorities(store: Store) -> None:
    enqueue_many(store, "ink", 2, ink_data)
    enqueue_many(store, "progress", 1, lambda i: {})
    enqueue_many(store, "result", 2)
    assert kinds_of(outbox.next_batch(store.conn, 10, below=2)) == ["result", "result"]
    assert outbox.next_batch(store.conn, 10, below=0) == []

"""The schema check where messages are queued, and the drain's check of rows
queued before it existed (real SQLite, paho's own message tickets)."""

from __future__ import annotations

import json
import uuid

import paho.mqtt.client as mqtt
import pytest

from edge.store import Store, outbox
from edge.uplink import UplinkConfig
from edge.uplink.drain import Drain
from tests.uplink.helpers import enqueue_many, result_data


def legacy_row(store: Store, data: object) -> int:
    """A row as a gateway without the enqueue check wrote it: no check mark."""
    with store.transaction() as conn:
        seq = outbox.next_seq(conn)
        envelope = {
            "v": 1,
            "gateway": store.gateway_id,
            "seq": seq,
            "id": str(uuid.uuid4()),
            "kind": "result",
            "sent_at": "2026-09-01T08:00:00.000+00:00",
            "data": data,
        }
        conn.execute(
            "INSERT INTO outbox (seq, msg_id, kind, priority, created_ms, payload)"
            " VALUES (?, ?, 'result', ?, 0, ?)",
            (seq, envelope["id"], outbox.PRIORITY["result"], json.dumps(envelope)),
        )
    return seq


class Recorder:
    """Takes publishes as paho would queue them, keeping what was sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []

    def __call__(self, topic: str, payload: bytes) -> mqtt.MQTTMessageInfo:
        self.sent.append(json.loads(payload))
        info = mqtt.MQTTMessageInfo(len(self.sent))
        info.rc = mqtt.MQTT_ERR_SUCCESS
        return info


def drain_for(store: Store, publish: Recorder) -> Drain:
    config = UplinkConfig.from_mapping(
        {"broker": "mqtt://127.0.0.1:1", "drain_rate": 1000.0, "disk_cap_mb": 0.0}
    )
    return Drain(store, config, publish, clock=lambda: 0.0)


def test_a_message_that_breaks_its_schema_is_parked_with_the_reason(
    store: Store,
) -> None:
    with store.transaction() as conn:
        bad = outbox.enqueue(conn, "gw-test", "result", {"name": "王一"}, 7)
        good = outbox.enqueue(conn, "gw-test", "result", result_data(1), 7)
    assert [r["seq"] for r in outbox.pending(store.conn, 5)] == [good]
    parked = outbox.parked(store.conn)
    assert [p["seq"] for p in parked] == [bad]
    assert parked[0]["reason"].startswith("schema: ")
    assert "student" in parked[0]["reason"]


def test_a_parked_message_still_broken_stays_parked_on_unpark(store: Store) -> None:
    with store.transaction() as conn:
        outbox.enqueue(conn, "gw-test", "result", {"x": 1}, 0)
        outbox.enqueue(conn, "gw-test", "result", result_data(2), 0)
        row = outbox.pending(conn, 1)[0]
        outbox.park(conn, row["id"], "broker refused: 0x87", 1)
    with store.transaction() as conn:
        assert outbox.unpark(conn) == 1  # the refused one comes back
    assert outbox.count(store.conn) == 1
    assert outbox.parked_count(store.conn) == 1
    assert outbox.parked(store.conn)[0]["reason"].startswith("schema: ")


def test_unparked_rows_keep_their_place_in_the_drain_order(store: Store) -> None:
    seqs = enqueue_many(store, "result", 3)
    first = outbox.next_batch(store.conn, 1)[0]
    with store.transaction() as conn:
        outbox.park(conn, first["id"], "broker refused: 0x87", 1)
        outbox.unpark(conn)
    assert [r["seq"] for r in outbox.next_batch(store.conn, 5)] == seqs


def test_the_drain_checks_rows_from_before_the_enqueue_check(store: Store) -> None:
    # A file an older gateway wrote: two rows, no check mark.
    store.conn.execute("DELETE FROM meta WHERE key = 'outbox_unchecked_through'")
    broken = legacy_row(store, {"x": 1})
    fine = legacy_row(store, result_data(3))
    store.close()
    upgraded = Store(store.path, store.gateway_id)  # this gateway opens it
    try:
        publish = Recorder()
        drain = drain_for(upgraded, publish)
        assert drain.unchecked_through == fine
        checked = enqueue_many(upgraded, "result", 2)
        drain.fill()
        drain.flush()
        assert [m["seq"] for m in publish.sent] == [fine, *checked]
        assert drain.counters.invalid == 1
        assert [p["seq"] for p in outbox.parked(upgraded.conn)] == [broken]
    finally:
        upgraded.close()


def test_without_a_check_mark_every_row_so_far_is_checked(store: Store) -> None:
    store.conn.execute("DELETE FROM meta WHERE key = 'outbox_unchecked_through'")
    enqueue_many(store, "result", 3)
    assert outbox.unchecked_through(store.conn) == 3


def test_the_check_mark_is_kept_across_restarts(store: Store) -> None:
    enqueue_many(store, "result", 2)
    first = drain_for(store, Recorder()).unchecked_through
    enqueue_many(store, "result", 2)
    assert drain_for(store, Recorder()).unchecked_through == first == 0


@pytest.mark.parametrize("withheld", [set(), {"ink"}, {"ink", "progress"}])
def test_sendable_count_leaves_out_exactly_the_withheld_kinds(
    store: Store, withheld: set[str]
) -> None:
    from tests.uplink.helpers import DATA_FOR_KIND

    kinds = ["result", "ink", "vote", "progress", "ink", "status"]
    with store.transaction() as conn:
        for i, kind in enumerate(kinds):
            outbox.enqueue(conn, "gw-test", kind, DATA_FOR_KIND[kind](i), 0)
    expected = sum(kind not in withheld for kind in kinds)
    assert outbox.count_sendable(store.conn, withheld) == expected


def test_a_reused_outbox_id_can_be_parked_twice(store: Store) -> None:
    # Without AUTOINCREMENT an emptied outbox hands out id 1 again.
    for i in range(2):
        enqueue_many(store, "result", 1, start=i)
        row = outbox.pending(store.conn, 1)[0]
        with store.transaction() as conn:
            assert outbox.park(conn, row["id"], f"broker refused #{i}", 1)
    assert [p["reason"] for p in outbox.parked(store.conn)] == [
        "broker refused #0",
        "broker refused #1",
    ]

"""The uplink against a real mosquitto with TLS and ACLs (the normal paths)."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from paho.mqtt.enums import CallbackAPIVersion

from edge.store import Store, outbox
from edge.uplink import DownlinkMessage, Uplink, signing, validation
from tests.support.broker import CITY_CONTROL, CITY_INGEST, Broker, Pki
from tests.uplink.helpers import (
    city_seqs,
    enqueue_many,
    ink_data,
    start_receiver,
    uplink_config,
    wait_until,
)
from tests.uplink.test_schemas import samples

GW = "gw-a"


class Listener:
    """A TLS client of the broker that records every message it gets."""

    def __init__(self, broker: Broker, pki: Pki, name: str, *filters: str) -> None:
        self.messages: list[mqtt.MQTTMessage] = []
        self.lock = threading.Lock()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"{name}-test", protocol=mqtt.MQTTv5
        )
        self.client.tls_set(
            str(pki.ca_cert),
            str(pki.cert(name)),
            str(pki.key(name)),
            cert_reqs=ssl.CERT_REQUIRED,
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
        self.client.on_message = lambda c, u, m: self._keep(m)
        self.client.connect("127.0.0.1", broker.port)
        for f in filters:
            self.client.subscribe(f, qos=1)
        self.client.loop_start()
        time.sleep(0.2)

    def _keep(self, message: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.messages.append(message)

    def on(self, topic: str) -> list[Any]:
        with self.lock:
            return [json.loads(m.payload) for m in self.messages if m.topic == topic]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def gw_store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "gateway.db", GW)
    yield s
    s.close()


@pytest.fixture
def uplinks(gw_store: Store) -> Iterator[list[Uplink]]:
    started: list[Uplink] = []
    yield started
    for uplink in started:
        assert uplink.stop(5)


def test_every_published_message_validates(
    broker: Broker, pki: Pki, gw_store: Store, uplinks: list[Uplink]
) -> None:
    city = Listener(
        broker, pki, CITY_INGEST, "homework/v1/+/up/#", "homework/v1/+/status"
    )
    for kind, record in samples().items():
        gw_store.enqueue(kind, record)
    uplink = Uplink(gw_store, uplink_config(broker, pki, raw_ink=True))
    uplinks.append(uplink)
    uplink.start()
    wait_until(lambda: outbox.count(gw_store.conn) == 0, 10, "the outbox drained")
    city.close()

    ups = [m for m in city.messages if "/up/" in m.topic]
    kinds = {json.loads(m.payload)["kind"] for m in ups}
    assert kinds == set(validation.UPLINK_KINDS)
    for message in ups:
        envelope = json.loads(message.payload)
        assert message.topic == f"homework/v1/{GW}/up/{envelope['kind']}"
        assert validation.uplink_errors(envelope) == [], envelope
    presence = city.on(f"homework/v1/{GW}/status")
    assert presence and validation.errors("presence", presence[-1]) == []
    assert presence[-1]["online"] is True


def test_acl_refusal_parks_messages_instead_of_retrying(
    broker: Broker, pki: Pki, tmp_path: Path
) -> None:
    # This store says gw-b, but the certificate says gw-a: the ACL refuses.
    store = Store(tmp_path / "wrong.db", "gw-b")
    enqueue_many(store, "result", 5)
    uplink = Uplink(store, uplink_config(broker, pki, gateway=GW))
    uplink.start()
    try:
        wait_until(lambda: outbox.parked_count(store.conn) == 6, 10, "parked rows")
        stats = uplink.stats()
        parked = outbox.parked(store.conn)
    finally:
        uplink.stop()
        store.close()
    assert stats["acked"] == 0 and stats["connected"]
    assert {p["reason"] for p in parked} == {"broker refused: 0x87 Not authorized"}


def test_plain_listener_serves_the_demo(
    broker: Broker, pki: Pki, gw_store: Store, uplinks: list[Uplink], tmp_path: Path
) -> None:
    db = tmp_path / "city.sqlite"
    receiver = start_receiver(broker, pki, db)
    enqueue_many(gw_store, "result", 50)
    uplink = Uplink(gw_store, uplink_config(broker, pki, url=broker.plain_url))
    uplinks.append(uplink)
    uplink.start()
    wait_until(lambda: len(city_seqs(db, GW)) == 51, 10, "the results at the city")
    receiver.stop()
    assert uplink.stats()["broker"] == broker.plain_url


def test_raw_ink_stays_home_unless_enabled(
    broker: Broker, pki: Pki, gw_store: Store, uplinks: list[Uplink], tmp_path: Path
) -> None:
    db = tmp_path / "city.sqlite"
    receiver = start_receiver(broker, pki, db)
    enqueue_many(gw_store, "ink", 5, ink_data)
    enqueue_many(gw_store, "result", 5)
    uplink = Uplink(gw_store, uplink_config(broker, pki))
    uplinks.append(uplink)
    uplink.start()
    wait_until(lambda: len(city_seqs(db, GW)) == 6, 10, "results and status")
    time.sleep(0.5)
    receiver.stop()
    assert city_seqs(db, GW) == {1 + 5 + i for i in range(5)} | {11}
    wait_until(lambda: outbox.count(gw_store.conn) == 5, 5, "only the ink kept")
    wait_until(lambda: uplink.stats()["pending"] == 0, 5, "the withheld ink uncounted")


def test_rate_limit_and_in_flight_window_hold(
    broker: Broker, pki: Pki, gw_store: Store, uplinks: list[Uplink], tmp_path: Path
) -> None:
    db = tmp_path / "city.sqlite"
    receiver = start_receiver(broker, pki, db)
    enqueue_many(gw_store, "result", 450)
    config = uplink_config(
        broker, pki, drain_rate=300.0, batch_size=50, max_in_flight=8
    )
    uplink = Uplink(gw_store, config)
    uplinks.append(uplink)
    peak = 0
    start = time.monotonic()
    uplink.start()
    while outbox.count(gw_store.conn):
        peak = max(peak, uplink.stats()["in_flight"])
        time.sleep(0.002)
    elapsed = time.monotonic() - start
    receiver.stop()
    assert peak <= config.max_in_flight
    assert elapsed >= (451 - config.batch_size) / config.drain_rate * 0.9


def test_presence_is_retained_with_a_last_will(
    broker: Broker, pki: Pki, gw_store: Store, uplinks: list[Uplink]
) -> None:
    uplink = Uplink(gw_store, uplink_config(broker, pki))
    uplinks.append(uplink)
    uplink.start()
    wait_until(lambda: uplink.stats()["connected"], 10, "connected")
    topic = f"homework/v1/{GW}/status"
    late = Listener(broker, pki, CITY_INGEST, topic)  # retained: it still gets it
    wait_until(lambda: late.on(topic), 5, "the retained presence")
    assert late.on(topic)[-1]["online"] is True

    uplink._drop_link("test: link judged dead")  # the broker publishes the will
    wait_until(lambda: late.on(topic)[-1]["online"] is False, 5, "the last will")
    wait_until(lambda: late.on(topic)[-1]["online"] is True, 10, "online again")
    assert uplink.stop(5)
    wait_until(lambda: late.on(topic)[-1]["online"] is False, 5, "offline on stop")
    late.close()


def test_signed_downlink_reaches_handlers_and_bad_ones_do_not(
    broker: Broker, pki: Pki, gw_store: Store, uplinks: list[Uplink], tmp_path: Path
) -> None:
    city_key = Ed25519PrivateKey.generate()
    pem = tmp_path / "city.pub.pem"
    pem.write_bytes(signing.public_key_pem(city_key.public_key()))
    uplink = Uplink(gw_store, uplink_config(broker, pki, downlink_keys=[str(pem)]))
    uplinks.append(uplink)
    got: list[DownlinkMessage] = []
    uplink.on_downlink("config", got.append)
    uplink.on_downlink("assignment", got.append)
    uplink.on_downlink("roster", lambda m: (_ for _ in ()).throw(RuntimeError("bad")))
    uplink.start()
    wait_until(lambda: uplink.stats()["connected"], 10, "connected")
    time.sleep(0.2)  # the SUBACK

    control = Listener(broker, pki, CITY_CONTROL)
    publish = control.client.publish
    publish(
        f"homework/v1/{GW}/down/config",
        signing.sign_downlink(city_key, "config", GW, {"a": 1}),
        1,
    )
    publish(
        "homework/v1/all/down/assignment",
        signing.sign_downlink(city_key, "assignment", "all", {"id": "x"}),
        1,
    )
    publish(
        f"homework/v1/{GW}/down/roster",
        signing.sign_downlink(city_key, "roster", GW, []),
        1,
    )
    publish(f"homework/v1/{GW}/down/config", b'{"body": "{}"}', 1)  # unsigned
    other = Ed25519PrivateKey.generate()
    publish(
        f"homework/v1/{GW}/down/config",
        signing.sign_downlink(other, "config", GW, {}),
        1,
    )
    wait_until(lambda: uplink.stats()["downlink"]["rejected"] == 2, 10, "rejections")
    control.close()

    city = Listener(broker, pki, CITY_INGEST, "homework/v1/+/up/#")
    enqueue_many(gw_store, "result", 20)  # the failing handler stopped nothing
    wait_until(lambda: outbox.count(gw_store.conn) == 0, 10, "the outbox drained")
    city.close()
    assert [(m.kind, m.data) for m in got] == [
        ("config", {"a": 1}),
        ("assignment", {"id": "x"}),
    ]
    assert uplink.stats()["downlink"] == {
        "accepted": 3,
        "rejected": 2,
        "failed": 1,
        "duplicate": 0,
    }


def test_messages_nobody_subscribed_to_are_kept_until_someone_is(
    broker: Broker, pki: Pki, gw_store: Store, uplinks: list[Uplink], tmp_path: Path
) -> None:
    enqueue_many(gw_store, "result", 10)
    uplink = Uplink(gw_store, uplink_config(broker, pki))
    uplinks.append(uplink)
    uplink.start()
    # PUBACK 0x10 "no matching subscribers": the broker threw the message away.
    wait_until(lambda: uplink.stats()["retried"] >= 1, 10, "a refused publish")
    assert outbox.count(gw_store.conn) == 11

    db = tmp_path / "city.sqlite"
    receiver = start_receiver(broker, pki, db)
    wait_until(lambda: len(city_seqs(db, GW)) == 11, 10, "the kept results")
    wait_until(lambda: outbox.count(gw_store.conn) == 0, 5, "the rows deleted")
    receiver.stop()

"""Outbox drain throughput against a local mosquitto, with and without TLS.

Compares three rates on the same broker:

- raw: one paho client publishing QoS 1 as fast as it can with the same
  in-flight window (what the broker and paho allow);
- drain: the gateway's Uplink emptying an outbox of N result messages
  (schema check, priority query, delete per acknowledged batch, synchronous
  FULL commits), rate limit off;
- both over the plain listener and over TLS with client certificates.

Run: ``.venv/bin/python benchmarks/bench_drain.py [--messages 5000] [--json]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import ssl
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from edge.store import Store, outbox  # noqa: E402
from edge.uplink import Uplink, UplinkConfig  # noqa: E402
from tests.support.broker import Broker, make_pki  # noqa: E402
from tests.uplink.helpers import enqueue_many, result_data  # noqa: E402

GATEWAY = "gw-a"
IN_FLIGHT = 50


def raw_rate(broker: Broker, tls: bool, n: int) -> float:
    """Messages per second of a bare paho client, pipelined QoS 1."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"{GATEWAY}-raw", protocol=mqtt.MQTTv5
    )
    client.max_inflight_messages_set(IN_FLIGHT)
    if tls:
        pki = broker.pki
        client.tls_set(
            str(pki.ca_cert),
            str(pki.cert(GATEWAY)),
            str(pki.key(GATEWAY)),
            cert_reqs=ssl.CERT_REQUIRED,
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
    acked = 0

    def on_publish(*_: Any) -> None:
        nonlocal acked
        acked += 1

    client.on_publish = on_publish
    client.connect("127.0.0.1", broker.port if tls else broker.plain_port)
    client.loop_start()
    payload = json.dumps({"data": result_data(0)}).encode()
    topic = f"homework/v1/{GATEWAY}/up/result"
    start = time.perf_counter()
    for _ in range(n):
        client.publish(topic, payload, qos=1)
    while acked < n:
        time.sleep(0.001)
    elapsed = time.perf_counter() - start
    client.disconnect()
    client.loop_stop()
    return n / elapsed


def drain_rate(broker: Broker, tls: bool, n: int, folder: Path) -> float:
    """Messages per second of the Uplink emptying an outbox of ``n`` results."""
    db = folder / f"gateway-{'tls' if tls else 'plain'}.db"
    store = Store(db, GATEWAY)
    enqueue_many(store, "result", n)
    pki = broker.pki
    section: dict[str, Any] = {
        "broker": broker.url if tls else broker.plain_url,
        "drain_rate": 1e6,
        "max_in_flight": IN_FLIGHT,
        "batch_size": 200,
        "status_interval_s": 0.0,
        "disk_cap_mb": 0.0,
    }
    if tls:
        section |= {
            "ca_file": str(pki.ca_cert),
            "cert_file": str(pki.cert(GATEWAY)),
            "key_file": str(pki.key(GATEWAY)),
        }
    uplink = Uplink(store, UplinkConfig.from_mapping(section))
    start = time.perf_counter()
    uplink.start()
    while outbox.count(store.conn) > 0:
        time.sleep(0.005)
    elapsed = time.perf_counter() - start
    uplink.stop()
    store.close()
    return n / elapsed


def consumer(broker: Broker) -> mqtt.Client:
    """A subscriber that takes every uplink (the drain holds messages nobody gets)."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id="bench-consumer", protocol=mqtt.MQTTv5
    )
    client.connect("127.0.0.1", broker.plain_port)
    client.subscribe("homework/v1/+/up/#", qos=1)
    client.loop_start()
    time.sleep(0.2)
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if shutil.which("mosquitto") is None:
        sys.exit("mosquitto is not installed")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        broker = Broker(folder / "broker", make_pki(folder / "pki", (GATEWAY,)))
        broker.folder.mkdir()
        broker.start()
        sink = consumer(broker)
        try:
            figures = {
                f"{kind}_{'tls' if tls else 'plain'}_msgs_per_s": round(
                    raw_rate(broker, tls, args.messages)
                    if kind == "raw"
                    else drain_rate(broker, tls, args.messages, folder)
                )
                for tls in (False, True)
                for kind in ("raw", "drain")
            }
        finally:
            sink.disconnect()
            sink.loop_stop()
            broker.stop()
    figures["messages"] = args.messages
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:<28} {value}")


if __name__ == "__main__":
    main()

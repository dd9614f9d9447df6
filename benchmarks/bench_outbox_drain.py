"""Outbox drain to a local mosquitto, with and without TLS, against raw paho.

The broker is the tests' real mosquitto (TLS with client certificates and
an ACL on one listener, plain on the other); a separate process subscribes
to every uplink, as the city's ingest would, so the broker has a receiver
to route to. Three ways to move the same result messages, QoS 1 each:

- ``drain``: ``Uplink`` emptying a backlog from the store's outbox (a row is
  deleted only after its PUBACK), with the rate limit lifted;
- ``raw``: a bare paho loop publishing the same payloads with the same
  in-flight window and waiting for every PUBACK: the broker's rate for one
  Python publisher, the ceiling the drain can approach.

    .venv/bin/python -m benchmarks.bench_outbox_drain [--messages N] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import ssl
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from benchmarks.common import python
from edge.models import Answer, Candidate, Question, QuestionType, Reading, Verdict
from edge.results import result_payload
from edge.store import Store
from edge.uplink import Uplink, UplinkConfig, validation
from tests.support.broker import CITY_INGEST, Broker, Pki, make_pki

GATEWAY = "gw-a"
# The shipped defaults for the window; only the rate limit is lifted.
WINDOW = UplinkConfig.__dataclass_fields__["max_in_flight"].default
BATCH = UplinkConfig.__dataclass_fields__["batch_size"].default


def results(count: int) -> list[dict[str, Any]]:
    """``count`` distinct, valid ``result`` records."""
    question = Question("q1", QuestionType.NUMERIC, "-3/4", knowledge_points=("M15.1",))
    out = []
    for i in range(count):
        correct = i % 4 != 0
        answer = Answer(
            "math-g8-01-fractions",
            "q1",
            f"s{i % 50:02d}",
            (),
            Reading((Candidate("-3/4" if correct else "3/4", 0.97),)),
            Verdict(correct, float(correct), 1.0, "", "", "ok"),
            started_ms=1_700_000_000_000 + i,
            finished_ms=1_700_000_004_000 + i,
        )
        out.append(result_payload(answer, question, f"p-{i % 50:010x}"))
    return out


@contextlib.contextmanager
def local_broker(
    folder: Path, record: Path | None = None
) -> Iterator[tuple[Broker, Pki]]:
    """The tests' mosquitto with TLS and ACL, plus a subscribing sink process."""
    pki = make_pki(folder / "pki", (GATEWAY, CITY_INGEST))
    broker_folder = folder / "broker"
    broker_folder.mkdir()
    broker = Broker(broker_folder, pki)
    broker.start()
    command = [python(), "-m", "benchmarks.mqtt_sink", "--port", str(broker.plain_port)]
    if record is not None:
        command += ["--record", str(record)]
    sink = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert sink.stdout is not None
        if sink.stdout.readline().strip() != "ready":
            raise RuntimeError("the MQTT sink did not subscribe")
        yield broker, pki
    finally:
        sink.terminate()
        sink.wait(10)
        broker.stop()


def uplink_config(broker: Broker, pki: Pki, tls: bool) -> UplinkConfig:
    """Shipped defaults but for the rate limit, status reports and disk cap."""
    section: dict[str, Any] = {
        "broker": broker.url if tls else broker.plain_url,
        "drain_rate": 1e6,
        "status_interval_s": 0.0,
        "disk_cap_mb": 0.0,
        "keepalive_s": 10,
    }
    if tls:
        section |= {
            "ca_file": str(pki.ca_cert),
            "cert_file": str(pki.cert(GATEWAY)),
            "key_file": str(pki.key(GATEWAY)),
        }
    return UplinkConfig.from_mapping(section)


def drain_rate(
    folder: Path, config: UplinkConfig, records: list[dict[str, Any]]
) -> float:
    """Messages per second from the first connection until the outbox is empty."""
    store = Store(folder / "gateway.db", GATEWAY)
    with store.transaction():
        for record in records:
            store.enqueue("result", record)
    uplink = Uplink(store, config)
    uplink.start()
    try:
        while not uplink.stats()["connected"]:
            time.sleep(0.002)
        started = time.perf_counter()
        while store.outbox_count():
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
    finally:
        uplink.stop()
        store.close()
    return len(records) / elapsed


def raw_rate(broker: Broker, pki: Pki, tls: bool, payloads: list[bytes]) -> float:
    """Messages per second of a bare paho QoS 1 publish loop, same window."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"{GATEWAY}-raw", protocol=mqtt.MQTTv5
    )
    client.max_inflight_messages_set(WINDOW)
    client.max_queued_messages_set(0)
    acked = threading.Semaphore(0)
    client.on_publish = lambda *_: acked.release()
    if tls:
        client.tls_set(
            ca_certs=str(pki.ca_cert),
            certfile=str(pki.cert(GATEWAY)),
            keyfile=str(pki.key(GATEWAY)),
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
    connected = threading.Event()
    client.on_connect = lambda *_: connected.set()
    client.connect("127.0.0.1", broker.port if tls else broker.plain_port)
    client.loop_start()
    try:
        if not connected.wait(10):
            raise RuntimeError("raw publisher did not connect")
        topic = f"homework/v1/{GATEWAY}/up/result"
        started = time.perf_counter()
        for payload in payloads:
            client.publish(topic, payload, qos=1)
        for _ in payloads:
            if not acked.acquire(timeout=30):
                raise RuntimeError("broker stopped acknowledging")
        return len(payloads) / (time.perf_counter() - started)
    finally:
        client.disconnect()
        client.loop_stop()


def envelopes(folder: Path, records: list[dict[str, Any]]) -> list[bytes]:
    """The exact bytes the drain would publish for ``records``."""
    store = Store(folder / "envelopes.db", GATEWAY)
    with store.transaction():
        for record in records:
            store.enqueue("result", record)
    rows = store.conn.execute("SELECT payload FROM outbox ORDER BY id").fetchall()
    store.close()
    return [row["payload"].encode() for row in rows]


def schema_check_ms(payloads: list[bytes]) -> float:
    """Median ms the drain spends checking one envelope against its schema."""
    times = []
    for payload in payloads[:2000]:
        started = time.perf_counter()
        errors = validation.uplink_errors(json.loads(payload))
        times.append((time.perf_counter() - started) * 1000)
        assert not errors, errors
    return statistics.median(times)


def measure(folder: Path, messages: int, repeats: int) -> dict[str, Any]:
    """Median messages per second of drain and raw publishing, TLS and plain."""
    records = results(messages)
    payloads = envelopes(folder, records)
    rates: dict[str, list[float]] = {}
    with local_broker(folder) as (broker, pki):
        for attempt in range(repeats):
            for tls in (True, False):
                name = "tls" if tls else "plain"
                run = folder / f"drain-{name}-{attempt}"
                run.mkdir()
                config = uplink_config(broker, pki, tls)
                rates.setdefault(f"drain_{name}", []).append(
                    drain_rate(run, config, records)
                )
                rates.setdefault(f"raw_{name}", []).append(
                    raw_rate(broker, pki, tls, payloads)
                )
    out: dict[str, Any] = {
        "messages": messages,
        "payload_bytes_median": int(statistics.median(len(p) for p in payloads)),
        "max_in_flight": WINDOW,
        "batch_size": BATCH,
        "passes": repeats,
        # The drain checks every envelope before publishing it (a bad row is
        # parked, not sent); this is that check's cost alone.
        "schema_check_ms_per_msg": round(schema_check_ms(payloads), 3),
    }
    for name, values in rates.items():
        out[f"{name}_msgs_per_s"] = round(statistics.median(values))
    for name in ("tls", "plain"):
        out[f"drain_vs_raw_{name}"] = round(
            out[f"drain_{name}_msgs_per_s"] / out[f"raw_{name}_msgs_per_s"], 3
        )
    return out


def main() -> None:
    """Print drain and raw publish rates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(Path(tmp), args.messages, args.repeats)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:28} {value}")


if __name__ == "__main__":
    main()

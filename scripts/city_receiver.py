#!/usr/bin/env python3
"""Reference city receiver: uplink messages from every gateway into a database.

Several receivers share the load through one MQTT 5 shared subscription
(``$share/<group>/homework/v1/+/up/#``): the broker hands each message to
one member of the group. Each receiver:

- acknowledges a message only after its row is committed, so a crash loses
  nothing; rows are committed in groups (every ``GROUP_COMMIT_S`` or
  ``GROUP_COMMIT_ROWS``) and their PUBACKs sent together, because one fsync
  per message would cap a receiver at the disk's fsync rate;
- deduplicates by message id (``INSERT ... ON CONFLICT (id) DO NOTHING``) and
  counts every duplicate, since at-least-once delivery repeats messages;
- rejects an envelope whose gateway differs from the topic's gateway (the
  broker's ACL vouches for the topic, not for the payload);
- writes into SQLite by default, or PostgreSQL given a ``postgresql://`` URL
  (needs the optional ``psycopg`` package).

``--report`` prints, per gateway, the messages stored, the duplicates seen,
and the gaps in its sequence numbers: the messages the city has not got.

Usage::

    city_receiver.py --broker mqtts://broker:8883 --ca ca.crt --cert ingest.crt \\
        --key ingest.key --db receiver.sqlite
    city_receiver.py --db receiver.sqlite --report
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sqlite3
import ssl
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

log = logging.getLogger("city_receiver")

UPLINK_FILTER = "homework/v1/+/up/#"
GROUP_COMMIT_S = 0.02
GROUP_COMMIT_ROWS = 500
TABLES = (
    "CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, gateway TEXT NOT NULL,"
    " seq BIGINT NOT NULL, kind TEXT NOT NULL, sent_at TEXT NOT NULL,"
    " received_ms BIGINT NOT NULL, receiver TEXT NOT NULL, arrival BIGINT NOT NULL,"
    " payload TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS messages_by_seq ON messages (gateway, seq)",
    "CREATE TABLE IF NOT EXISTS duplicates (id TEXT PRIMARY KEY,"
    " gateway TEXT NOT NULL, seq BIGINT NOT NULL, count BIGINT NOT NULL)",
)
INSERT_MESSAGE = (
    "INSERT INTO messages (id, gateway, seq, kind, sent_at, received_ms, receiver,"
    " arrival, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
)
GAPS = (
    "SELECT gateway, seq + 1, next_seq - 1 FROM (SELECT gateway, seq,"
    " LEAD(seq) OVER (PARTITION BY gateway ORDER BY seq) AS next_seq"
    " FROM messages) AS ordered WHERE next_seq > seq + 1 ORDER BY gateway, seq"
)


class Sink:
    """Idempotent storage of envelopes; SQL shared by SQLite and PostgreSQL."""

    mark = "?"

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        for statement in TABLES:
            self._run(statement)
        self.conn.commit()

    def _run(self, sql: str, args: Sequence[Any] = ()) -> Any:
        cur = self.conn.cursor()
        cur.execute(sql.replace("?", self.mark), tuple(args))
        return cur

    def add(self, envelope: dict[str, Any], receiver: str, arrival: int) -> bool:
        """Add one envelope to the open transaction; False if its id is known."""
        row = (
            envelope["id"],
            envelope["gateway"],
            envelope["seq"],
            envelope["kind"],
            envelope["sent_at"],
            int(time.time() * 1000),
            receiver,
            arrival,
            json.dumps(envelope, ensure_ascii=False, separators=(",", ":")),
        )
        new = self._run(INSERT_MESSAGE, row).rowcount == 1
        if not new:
            self._run(
                "INSERT INTO duplicates (id, gateway, seq, count) VALUES (?, ?, ?, 1)"
                " ON CONFLICT (id) DO UPDATE SET count = duplicates.count + 1",
                row[:3],
            )
        return bool(new)

    def commit(self) -> None:
        """Make every added envelope durable."""
        self.conn.commit()

    def report(self) -> dict[str, Any]:
        """Per gateway: stored, duplicates, seq range, gaps, conflicting seqs."""
        gateways: dict[str, dict[str, Any]] = {}
        for gw, n, low, high in self._run(
            "SELECT gateway, COUNT(*), MIN(seq), MAX(seq) FROM messages"
            " GROUP BY gateway"
        ).fetchall():
            gateways[gw] = {
                "stored": n,
                "first_seq": low,
                "last_seq": high,
                "duplicates": 0,
                "gaps": [[1, low - 1]] if low > 1 else [],
                "seq_conflicts": [],
            }
        for gw, first, last in self._run(GAPS).fetchall():
            gateways[gw]["gaps"].append([first, last])
        for gw, dups in self._run(
            "SELECT gateway, SUM(count) FROM duplicates GROUP BY gateway"
        ).fetchall():
            gateways.setdefault(gw, {"stored": 0, "gaps": []})["duplicates"] = int(dups)
        for gw, seq in self._run(
            "SELECT gateway, seq FROM messages"
            " GROUP BY gateway, seq HAVING COUNT(*) > 1"
        ).fetchall():
            gateways[gw]["seq_conflicts"].append(seq)
        for entry in gateways.values():
            entry["missing"] = sum(b - a + 1 for a, b in entry["gaps"])
        return gateways

    def close(self) -> None:
        self.conn.close()


class PostgresSink(Sink):
    mark = "%s"


def open_sink(target: str) -> Sink:
    """A sink for a SQLite path or a ``postgresql://`` URL."""
    if target.startswith(("postgresql://", "postgres://")):
        try:
            import psycopg  # an optional dependency
        except ImportError:
            sys.exit(
                "PostgreSQL needs the psycopg package: pip install 'psycopg[binary]'"
            )
        return PostgresSink(psycopg.connect(target))
    conn = sqlite3.connect(target, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return Sink(conn)


@dataclass
class Counts:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    failed: int = 0
    presence: dict[str, bool] = field(default_factory=dict)


class Receiver:
    """One member of the ingest group: subscribes, checks, stores."""

    def __init__(
        self,
        broker: str,
        sink: Sink,
        group: str = "ingest",
        client_id: str = "city-ingest-1",
        tls: tuple[Path | None, Path, Path] | None = None,
        session_expiry_s: int = 3600,
    ) -> None:
        url = urlsplit(broker)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 1883
        self.sink = sink
        self.group = group
        self.client_id = client_id
        self.counts = Counts()
        self._arrival = 0
        self._unacked: list[int] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.connected = threading.Event()
        # Manual acknowledgement: a PUBACK leaves only after the row's commit.
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self.client.suppress_exceptions = True
        if url.scheme == "mqtts":
            if tls is None:
                raise SystemExit("mqtts needs --ca, --cert and --key")
            ca, cert, key = tls
            self.client.tls_set(
                ca_certs=str(ca) if ca else None,
                certfile=str(cert),
                keyfile=str(key),
                cert_reqs=ssl.CERT_REQUIRED,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
        self.client.reconnect_delay_set(0.2, 5)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self._props = Properties(PacketTypes.CONNECT)
        self._props.SessionExpiryInterval = session_expiry_s

    def start(self) -> None:
        """Connect (persistent session) and run paho's loop in its thread."""
        self.client.connect_async(
            self.host,
            self.port,
            keepalive=10,
            clean_start=False,
            properties=self._props,
        )
        self.client.loop_start()
        self._flusher = threading.Thread(target=self._flush_loop, daemon=True)
        self._flusher.start()

    def stop(self) -> None:
        """Commit, disconnect; the session (and what the broker queues) stays."""
        self._stopped.set()
        self._flusher.join(5)
        self._commit()
        self.client.disconnect()
        self.client.loop_stop()

    def _flush_loop(self) -> None:
        while not self._stopped.wait(GROUP_COMMIT_S):
            try:
                self._commit()
            except Exception:
                log.exception("receiver: commit failed; the broker will resend")

    def _commit(self) -> None:
        with self._lock:
            if not self._unacked:
                return
            try:
                self.sink.commit()
            except Exception:
                # Without PUBACKs the broker sends these again after a reconnect.
                self.sink.conn.rollback()
                self._unacked.clear()
                self.client.disconnect()
                raise
            for mid in self._unacked:
                self.client.ack(mid, 1)
            self._unacked.clear()

    def _on_connect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the receiver: %s", reason)
            return
        client.subscribe(f"$share/{self.group}/{UPLINK_FILTER}", qos=1)
        client.subscribe("homework/v1/+/status", qos=1)
        self.connected.set()
        log.info(
            "receiver %s connected (session present: %s)",
            self.client_id,
            flags.session_present,
        )

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        self.connected.clear()
        log.warning("receiver %s disconnected: %s", self.client_id, reason)

    def _on_message(
        self, client: Any, userdata: Any, message: mqtt.MQTTMessage
    ) -> None:
        try:
            keep = self._handle(message.topic, message.payload)
        except Exception:
            # Left unacknowledged: the broker sends it again after a reconnect.
            self.counts.failed += 1
            log.exception("receiver: storing a message from %s failed", message.topic)
            return
        if not keep:
            client.ack(message.mid, message.qos)
            return
        with self._lock:
            self._unacked.append(message.mid)
            full = len(self._unacked) >= GROUP_COMMIT_ROWS
        if full:
            self._commit()

    def _handle(self, topic: str, payload: bytes) -> bool:
        """Store one message; True when its acknowledgement waits for a commit."""
        parts = topic.split("/")
        if parts[-1] == "status" and len(parts) == 4:
            online = json.loads(payload or b"{}").get("online")
            self.counts.presence[parts[2]] = bool(online)
            return False
        self.counts.received += 1
        envelope = _envelope(payload)
        if envelope is None or (envelope["gateway"], envelope["kind"]) != (
            parts[2],
            parts[4],
        ):
            self.counts.rejected += 1
            log.warning("receiver: rejected a message on %s", topic)
            return False
        with self._lock:
            self._arrival += 1
            new = self.sink.add(envelope, self.client_id, self._arrival)
        if new:
            self.counts.stored += 1
        else:
            self.counts.duplicates += 1
        return True


def _envelope(payload: bytes) -> dict[str, Any] | None:
    try:
        doc = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    needed = {
        "v": int,
        "gateway": str,
        "seq": int,
        "id": str,
        "kind": str,
        "sent_at": str,
    }
    if not isinstance(doc, dict) or "data" not in doc:
        return None
    if not all(isinstance(doc.get(k), t) for k, t in needed.items()):
        return None
    return doc


def main(argv: Sequence[str] | None = None) -> int:
    """Run a receiver until interrupted, or print the gap report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--broker", default="mqtt://127.0.0.1:1883")
    parser.add_argument(
        "--db", default="receiver.sqlite", help="SQLite file or postgresql:// URL"
    )
    parser.add_argument("--group", default="ingest", help="shared subscription group")
    parser.add_argument("--client-id", default="city-ingest-1")
    parser.add_argument("--ca", type=Path)
    parser.add_argument("--cert", type=Path)
    parser.add_argument("--key", type=Path)
    parser.add_argument("--report", action="store_true", help="print the gap report")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )

    sink = open_sink(args.db)
    if args.report:
        print(json.dumps(sink.report(), indent=2, sort_keys=True))
        return 0
    tls = (args.ca, args.cert, args.key) if args.cert and args.key else None
    receiver = Receiver(args.broker, sink, args.group, args.client_id, tls)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    receiver.start()
    while not done.wait(10):
        log.info("received %s", receiver.counts)
    receiver.stop()
    print(json.dumps(sink.report(), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

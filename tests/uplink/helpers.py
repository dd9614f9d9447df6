"""Shared pieces of the uplink tests: receiver, gateway store, messages, waits."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from edge.store import Store, outbox
from edge.uplink import UplinkConfig
from tests.support.broker import CITY_INGEST, Broker, Pki

ROOT = Path(__file__).resolve().parents[2]


def receiver_module() -> ModuleType:
    """``scripts/city_receiver.py`` loaded as a module."""
    name = "city_receiver"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def start_receiver(
    broker: Broker, pki: Pki, db: Path, client_id: str = "ingest-1"
) -> Any:
    """A reference receiver on the TLS listener, connected and subscribed."""
    mod = receiver_module()
    tls = (pki.ca_cert, pki.cert(CITY_INGEST), pki.key(CITY_INGEST))
    receiver = mod.Receiver(
        broker.url, mod.open_sink(str(db)), client_id=client_id, tls=tls
    )
    receiver.start()
    assert receiver.connected.wait(10), "receiver did not connect"
    time.sleep(0.1)  # let the SUBACK in before anything is published
    return receiver


def uplink_config(
    broker: Broker, pki: Pki, gateway: str = "gw-a", url: str | None = None, **over: Any
) -> UplinkConfig:
    """A test configuration: TLS, fast keepalive and reconnects, no rate limit."""
    base: dict[str, Any] = {
        "broker": url or broker.url,
        "ca_file": str(pki.ca_cert),
        "cert_file": str(pki.cert(gateway)),
        "key_file": str(pki.key(gateway)),
        "keepalive_s": 2,
        "drain_rate": 100_000.0,
        "batch_size": 100,
        "max_in_flight": 50,
        "reconnect_min_s": 0.05,
        "reconnect_max_s": 0.5,
        "connect_timeout_s": 2.0,
        "status_interval_s": 0.0,
        "disk_cap_mb": 0.0,
    }
    return UplinkConfig.from_mapping({**base, **over})


def result_data(i: int) -> dict[str, Any]:
    """A valid ``result`` record, distinct per ``i``."""
    return {
        "student": f"p-{i % 40:04d}",
        "assignment": "math-7-3",
        "question": f"q{i % 20}",
        "reading": str(i),
        "confidence": 0.9,
        "graded": True,
        "correct": i % 3 != 0,
        "score": 1.0,
        "max_score": 1.0,
        "verdict_code": "ok",
        "needs_review": False,
        "knowledge_points": ["fractions"],
        "started_at": "2026-09-01T08:00:00.000+00:00",
        "finished_at": "2026-09-01T08:00:05.000+00:00",
    }


def vote_data(i: int) -> dict[str, Any]:
    return {
        "poll": "poll-1",
        "student": f"p-{i:04d}",
        "answer": "ABCD"[i % 4],
        "received_ms": 1_780_000_000_000 + i,
        "counted": True,
    }


def ink_data(i: int) -> dict[str, Any]:
    dots = [[10.0 + k, 20.0 + k, 300, 1_780_000_000_000 + k] for k in range(40)]
    return {
        "student": f"p-{i % 40:04d}",
        "page": "3.27.603.1",
        "assignment": "math-7-3",
        "question": f"q{i % 20}",
        "strokes": [dots, dots],
    }


def progress_data(i: int) -> dict[str, Any]:
    return {
        "student": f"p-{i % 40:04d}",
        "assignment": "math-7-3",
        "answered": 3,
        "total": 10,
    }


def status_data(i: int) -> dict[str, Any]:
    return {"event": "periodic", "outbox_pending": i}


# A valid record of each kind, for tests that mix kinds.
DATA_FOR_KIND: dict[str, Callable[[int], dict[str, Any]]] = {
    "result": result_data,
    "vote": vote_data,
    "ink": ink_data,
    "progress": progress_data,
    "status": status_data,
}


def enqueue_many(
    store: Store,
    kind: str,
    n: int,
    make: Callable[[int], Any] = result_data,
    start: int = 0,
) -> list[int]:
    """Queue ``n`` messages in one transaction; returns their sequence numbers."""
    with store.transaction() as conn:
        return [
            outbox.enqueue(conn, store.gateway_id, kind, make(start + i), store.clock())
            for i in range(n)
        ]


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``check`` until it returns something true, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def city_rows(db: Path, gateway: str) -> list[sqlite3.Row]:
    """What the receiver stored for one gateway, in arrival order."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(
            "SELECT id, seq, kind, arrival FROM messages WHERE gateway = ?"
            " ORDER BY arrival",
            (gateway,),
        ).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def city_seqs(db: Path, gateway: str) -> set[int]:
    return {r["seq"] for r in city_rows(db, gateway)}


def report(db: Path) -> dict[str, Any]:
    """The receiver's gap report, read through its own code."""
    mod = receiver_module()
    sink = mod.open_sink(str(db))
    try:
        return dict(sink.report())
    finally:
        sink.close()

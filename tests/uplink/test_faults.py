"""Fault tests against a real mosquitto with TLS and ACLs: nothing may be lost.

In every case the gateway's outbox ends empty (each row left only on its own
PUBACK), every sequence number the gateway handed out is in the city's
database (or, for the disk cap, was dropped by policy and reported), and the
duplicates that at-least-once delivery produces are counted by the receiver.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.store import Store, capacity, outbox
from edge.uplink import Uplink
from tests.support.broker import Broker, Pki
from tests.uplink import figures
from tests.uplink.helpers import (
    ROOT,
    city_rows,
    city_seqs,
    enqueue_many,
    ink_data,
    report,
    start_receiver,
    uplink_config,
    vote_data,
    wait_until,
)
from tests.uplink.proxy import LossyProxy

pytestmark = pytest.mark.slow

GW = "gw-a"


@pytest.fixture
def city(broker: Broker, pki: Pki, tmp_path: Path) -> Iterator[Path]:
    """The reference receiver writing to ``city.sqlite``; yields the file."""
    db = tmp_path / "city.sqlite"
    receiver = start_receiver(broker, pki, db)
    yield db
    receiver.stop()


@pytest.fixture
def gw_store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "gateway.db", GW)
    yield s
    s.close()


@pytest.fixture
def uplinks(gw_store: Store) -> Iterator[list[Uplink]]:
    """Uplinks a test starts; stopped before their store closes, even on failure."""
    started: list[Uplink] = []
    yield started
    for uplink in started:
        assert uplink.stop(5), "the uplink thread did not stop"


def settle(store: Store, city: Path, timeout: float, dropped: int = 0) -> None:
    """Wait until the outbox is empty and the city holds every sequence number
    (but the ``dropped`` ones)."""
    wait_until(lambda: outbox.count(store.conn) == 0, timeout, "an empty outbox")
    expected = outbox.last_seq(store.conn) - dropped
    wait_until(
        lambda: len(city_seqs(city, GW)) >= expected, timeout, "the city to catch up"
    )


def assert_nothing_lost(
    case: str, store: Store, city: Path, dropped: set[int] | None = None, **extra: Any
) -> dict[str, Any]:
    """Check and record: all seqs arrived (except ones dropped by policy)."""
    last = outbox.last_seq(store.conn)
    got = city_seqs(city, GW)
    gateway = report(city)[GW]
    missing = set(range(1, last + 1)) - got - (dropped or set())
    figures.record(
        case,
        produced=last,
        received=len(got),
        duplicates=gateway["duplicates"],
        lost=len(missing),
        **extra,
    )
    assert not missing, f"{case}: lost seqs {sorted(missing)[:20]}"
    assert outbox.count(store.conn) == 0
    assert outbox.parked_count(store.conn) == 0
    assert gateway["seq_conflicts"] == []
    return gateway


def test_broker_restart_mid_drain(
    broker: Broker,
    pki: Pki,
    city: Path,
    gw_store: Store,
    uplinks: list[Uplink],
) -> None:
    enqueue_many(gw_store, "result", 2000)
    uplink = Uplink(gw_store, uplink_config(broker, pki, drain_rate=2000.0))
    uplinks.append(uplink)
    uplink.start()
    wait_until(lambda: len(city_seqs(city, GW)) >= 400, 10, "the first results")

    broker.restart(down_s=1.0)
    enqueue_many(gw_store, "result", 200, start=2000)  # live results meanwhile
    settle(gw_store, city, 30)
    stats = uplink.stats()
    uplink.stop()

    assert stats["reconnects"] >= 2
    assert_nothing_lost(
        "broker restart", gw_store, city, reconnects=stats["reconnects"]
    )


def test_long_backlog_drains_in_priority_order_at_the_rate_limit(
    broker: Broker,
    pki: Pki,
    city: Path,
    gw_store: Store,
    uplinks: list[Uplink],
) -> None:
    broker.stop()
    config = uplink_config(broker, pki, drain_rate=800.0, raw_ink=True)
    uplink = Uplink(gw_store, config)
    uplinks.append(uplink)
    uplink.start()  # the broker is down: the backlog builds up in the outbox
    enqueue_many(gw_store, "ink", 100, ink_data)
    enqueue_many(gw_store, "result", 2000)
    enqueue_many(gw_store, "vote", 300, vote_data)
    time.sleep(1.0)
    assert uplink.stats()["sent"] == 0

    broker.start()
    began = time.monotonic()
    settle(gw_store, city, 30)
    elapsed = time.monotonic() - began
    uplink.stop()

    rows = city_rows(city, GW)
    first_ink = min(r["arrival"] for r in rows if r["kind"] == "ink")
    last_valuable = max(r["arrival"] for r in rows if r["kind"] in ("result", "vote"))
    assert last_valuable < first_ink, "ink left before votes and results"
    n = len(rows)
    # The bucket starts full (one batch), then allows drain_rate per second.
    assert elapsed >= (n - config.batch_size) / config.drain_rate * 0.9
    assert_nothing_lost(
        "long backlog",
        gw_store,
        city,
        drain_s=round(elapsed, 2),
        rate=round(n / elapsed),
    )


def test_half_open_link_is_noticed_and_healed(
    broker: Broker,
    pki: Pki,
    city: Path,
    gw_store: Store,
    uplinks: list[Uplink],
) -> None:
    proxy = LossyProxy(broker.port)
    config = uplink_config(
        broker, pki, url=f"mqtts://127.0.0.1:{proxy.port}", drain_rate=1000.0
    )
    enqueue_many(gw_store, "result", 1500)
    uplink = Uplink(gw_store, config)
    uplinks.append(uplink)
    uplink.start()
    wait_until(lambda: len(city_seqs(city, GW)) >= 200, 10, "the first results")

    proxy.blackhole()
    cut = time.monotonic()
    wait_until(lambda: not uplink.stats()["connected"], 10, "the dead link noticed")
    noticed = time.monotonic() - cut
    proxy.heal()
    settle(gw_store, city, 30)
    uplink.stop()
    proxy.close()

    # paho notices a silent broker after about 1.5 keepalives.
    assert noticed < 2 * config.keepalive_s + 1
    assert_nothing_lost("half-open link", gw_store, city, noticed_s=round(noticed, 1))


def test_lost_acknowledgements_give_counted_duplicates_only(
    broker: Broker,
    pki: Pki,
    city: Path,
    gw_store: Store,
    uplinks: list[Uplink],
) -> None:
    proxy = LossyProxy(broker.port)
    config = uplink_config(
        broker, pki, url=f"mqtts://127.0.0.1:{proxy.port}", drain_rate=1000.0
    )
    enqueue_many(gw_store, "result", 2000)
    uplink = Uplink(gw_store, config)
    uplinks.append(uplink)
    uplink.start()
    wait_until(lambda: len(city_seqs(city, GW)) >= 300, 10, "the first results")

    acked_before = uplink.stats()["acked"]
    proxy.drop_acks()  # publishes still reach the broker, PUBACKs vanish
    wait_until(lambda: not uplink.stats()["connected"], 10, "the lost acks noticed")
    proxy.heal()
    settle(gw_store, city, 30)
    uplink.stop()
    proxy.close()

    gateway = assert_nothing_lost(
        "lost acknowledgements", gw_store, city, acked_before_loss=acked_before
    )
    # Messages the broker had but could not acknowledge were sent again.
    assert gateway["duplicates"] >= 1


def _spawn(db: Path, config: dict[str, Any], produce: int = 0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.uplink.gateway_proc",
            "--db",
            str(db),
            "--gateway",
            GW,
            "--config",
            json.dumps(config),
            "--produce",
            str(produce),
            "--rate",
            "1500",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_gateway_killed_mid_drain_and_restarted(
    broker: Broker, pki: Pki, city: Path, tmp_path: Path
) -> None:
    db = tmp_path / "gateway.db"
    Store(db, GW).close()  # migrate before two processes share the file
    config = {
        "broker": broker.url,
        "ca_file": str(pki.ca_cert),
        "cert_file": str(pki.cert(GW)),
        "key_file": str(pki.key(GW)),
        "keepalive_s": 2,
        "drain_rate": 800.0,
        "reconnect_min_s": 0.05,
        "reconnect_max_s": 0.5,
        "status_interval_s": 0.0,
        "disk_cap_mb": 0.0,
    }
    # First kill: mid-production and mid-drain. Second: mid-drain of the rest.
    proc = _spawn(db, config, produce=2000)
    wait_until(lambda: len(city_seqs(city, GW)) >= 150, 20, "results arriving")
    proc.send_signal(signal.SIGKILL)
    proc.wait(5)
    probe = Store(db, GW)
    halfway = 150 + (outbox.last_seq(probe.conn) - 150) // 2
    probe.close()
    proc = _spawn(db, config)
    wait_until(lambda: len(city_seqs(city, GW)) >= halfway, 20, "more results")
    proc.send_signal(signal.SIGKILL)
    proc.wait(5)
    kills = 2

    proc = _spawn(db, config)
    store = Store(db, GW)
    try:
        settle(store, city, 30)
        # The broker published the killed gateways' last will; now it is online.
        assert_nothing_lost("SIGKILL mid-drain", store, city, kills=kills)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(5)
        store.close()


def test_disk_cap_drops_ink_first_and_reports_it(
    broker: Broker,
    pki: Pki,
    city: Path,
    gw_store: Store,
    uplinks: list[Uplink],
) -> None:
    broker.stop()
    config = uplink_config(broker, pki, raw_ink=True, disk_cap_mb=0.5)
    uplink = Uplink(gw_store, config)
    uplinks.append(uplink)
    uplink.start()
    wait_until(lambda: capacity.usage(gw_store.conn).max_pages, 5, "the cap set")
    ink_seqs: set[int] = set()
    valuable: set[int] = set()
    i = 0
    while capacity.usage(gw_store.conn).fraction < 0.93:
        ink_seqs.update(enqueue_many(gw_store, "ink", 4, ink_data, start=i))
        valuable.update(enqueue_many(gw_store, "result", 4, start=i))
        valuable.update(enqueue_many(gw_store, "vote", 2, vote_data, start=i))
        i += 4
    wait_until(
        lambda: capacity.usage(gw_store.conn).fraction < 0.85,
        10,
        "room made by the cap",
    )
    with gw_store.transaction() as conn:
        left = {r["seq"] for r in conn.execute("SELECT seq FROM outbox")}
    assert valuable <= left, "the cap dropped a result or a vote"
    dropped = ink_seqs - left
    assert dropped, "nothing was dropped"

    broker.start()
    settle(gw_store, city, 30, dropped=len(dropped))
    uplink.stop()

    statuses = [
        json.loads(r["payload"])["data"] for r in _city_payloads(city, "status")
    ]
    reported = max(s.get("dropped_total", {}).get("ink_uplink", 0) for s in statuses)
    assert reported == len(dropped)
    assert not dropped & city_seqs(city, GW)
    assert_nothing_lost(
        "disk cap",
        gw_store,
        city,
        dropped=dropped,
        ink_dropped=len(dropped),
        valuable_kept=len(valuable),
    )


def _city_payloads(db: Path, kind: str) -> list[Any]:
    import sqlite3

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(
            "SELECT payload FROM messages WHERE kind = ? ORDER BY seq", (kind,)
        ).fetchall()
    finally:
        conn.close()


def test_raising_callbacks_do_not_stop_the_uplink(
    broker: Broker,
    pki: Pki,
    city: Path,
    gw_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    uplinks: list[Uplink],
) -> None:
    uplink = Uplink(gw_store, uplink_config(broker, pki, drain_rate=2000.0))
    uplinks.append(uplink)
    real_on_ack = uplink._drain.on_ack
    calls = {"n": 0}

    def flaky_on_ack(mid: int, reason: int, name: str = "") -> None:
        calls["n"] += 1
        if calls["n"] % 7 == 0:
            raise RuntimeError("injected failure in the PUBACK callback")
        real_on_ack(mid, reason, name)

    monkeypatch.setattr(uplink._drain, "on_ack", flaky_on_ack)
    enqueue_many(gw_store, "result", 1500)
    uplink.start()
    settle(gw_store, city, 30)
    stats = uplink.stats()
    uplink.stop()

    assert stats["lost_callbacks"] >= 1
    assert stats["connected"]
    assert_nothing_lost(
        "raising callback",
        gw_store,
        city,
        callback_failures=calls["n"] // 7,
        resent=stats["lost_callbacks"],
    )


def test_watchdog_drops_a_link_whose_acks_stop_before_keepalive_notices(
    broker: Broker, pki: Pki, city: Path, gw_store: Store, uplinks: list[Uplink]
) -> None:
    proxy = LossyProxy(broker.port)
    config = uplink_config(
        broker,
        pki,
        url=f"mqtts://127.0.0.1:{proxy.port}",
        keepalive_s=30,  # keepalive alone would take 45 s
        ack_timeout_s=1.5,
        drain_rate=1000.0,
    )
    enqueue_many(gw_store, "result", 1500)
    uplink = Uplink(gw_store, config)
    uplinks.append(uplink)
    uplink.start()
    wait_until(lambda: len(city_seqs(city, GW)) >= 200, 10, "the first results")

    proxy.drop_acks()
    cut = time.monotonic()
    wait_until(lambda: not uplink.stats()["connected"], 10, "the watchdog")
    noticed = time.monotonic() - cut
    proxy.heal()
    settle(gw_store, city, 30)
    proxy.close()

    assert noticed < config.ack_timeout_s + 2
    assert_nothing_lost("ack watchdog", gw_store, city, noticed_s=round(noticed, 1))

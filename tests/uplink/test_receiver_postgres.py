"""The city receiver's PostgreSQL path, on a throw-away local PostgreSQL.

Skipped when psycopg or the PostgreSQL server binaries are missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.broker import Broker, Pki, free_port
from tests.uplink.helpers import (
    enqueue_many,
    receiver_module,
    uplink_config,
    wait_until,
)
from tests.uplink.test_receiver import envelope

pytestmark = pytest.mark.slow


def server_binary(name: str) -> str | None:
    """A PostgreSQL server program: on PATH, or where Debian puts it."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(versions[-1]) if versions else None


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server in a temporary folder, trust auth on loopback."""
    pytest.importorskip("psycopg", reason="psycopg is not installed")
    initdb, pg_ctl = server_binary("initdb"), server_binary("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    # PostgreSQL refuses to run as root: run it as the postgres user then.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="edge-pg-"))
    if as_user:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    subprocess.run(
        [*as_user, initdb, "-D", str(data), "-U", "postgres", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *as_user,
            pg_ctl,
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(folder / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-m", "fast", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_sink(postgres_url: str) -> Iterator[Any]:
    sink = receiver_module().open_sink(postgres_url)
    yield sink
    sink.close()


def test_postgres_sink_dedupes_and_finds_gaps(pg_sink: Any) -> None:
    gw = f"gw-{uuid.uuid4().hex[:8]}"
    first = envelope(gw, 1)
    assert pg_sink.add(first, "r1", 1) is True
    assert pg_sink.add(first, "r2", 2) is False
    for seq in (2, 5):
        pg_sink.add(envelope(gw, seq), "r1", seq)
    pg_sink.add(envelope(gw, 5), "r1", 9)  # another id claiming seq 5
    pg_sink.commit()
    report = pg_sink.report()[gw]
    assert report["stored"] == 4
    assert report["duplicates"] == 1
    assert report["gaps"] == [[3, 4]] and report["missing"] == 2
    assert report["seq_conflicts"] == [5]


def test_uplink_to_postgres_through_the_broker(
    broker: Broker, pki: Pki, postgres_url: str, tmp_path: Path
) -> None:
    from edge.store import Store, outbox
    from edge.uplink import Uplink
    from tests.support.broker import CITY_INGEST

    mod = receiver_module()
    tls = (pki.ca_cert, pki.cert(CITY_INGEST), pki.key(CITY_INGEST))
    receiver = mod.Receiver(broker.url, mod.open_sink(postgres_url), tls=tls)
    receiver.start()
    assert receiver.connected.wait(10)
    store = Store(tmp_path / "gateway.db", "gw-c")
    enqueue_many(store, "result", 300)
    uplink = Uplink(store, uplink_config(broker, pki, gateway="gw-c"))
    uplink.start()
    try:
        wait_until(lambda: outbox.count(store.conn) == 0, 20, "the outbox drained")
        wait_until(lambda: receiver.counts.stored >= 301, 20, "rows in PostgreSQL")
    finally:
        uplink.stop()
        store.close()
        receiver.stop()
        receiver.sink.close()
    check = mod.open_sink(postgres_url)
    report = check.report()["gw-c"]
    check.close()
    assert report["missing"] == 0 and report["last_seq"] == 301

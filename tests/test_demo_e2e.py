"""End to end: the demo's simulated class reaches the store and the API graded."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

DURATION_S = 24


def api(url: str, token: str) -> dict[str, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_demo_grades_a_class_and_serves_it(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edge.cli.main",
            "demo",
            "--duration",
            str(DURATION_S),
            "--port",
            "0",
            "--no-browser",
            "--json",
            "--db",
            str(db),
            "--students",
            "40",
            "--api-token",
            "demo-token",
            "--teacher-password",
            "demo-pass",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        start = json.loads(proc.stdout.readline())
        assert start["api_token"] == "demo-token"
        base = start["url"]

        graded = 0
        deadline = time.monotonic() + DURATION_S - 2
        while time.monotonic() < deadline and graded < 5:
            summary = api(base + "api/v1/summary", "demo-token")
            graded = int(summary["answers_graded"])  # type: ignore[call-overload]
            time.sleep(1)
        assert graded >= 5, summary
        assert summary["students"] == 40
        assignments = api(base + "api/v1/assignments", "demo-token")["assignments"]
        active = [a["id"] for a in assignments if a["active"]]  # type: ignore[union-attr, index]
        assert active == [start["assignment"]]

        out, err = proc.communicate(timeout=DURATION_S + 30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    end = json.loads(out.strip().splitlines()[-1])
    assert end["answers_graded"] >= graded

    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT reading, correct FROM answers WHERE correct IS NOT NULL"
    ).fetchall()
    assert len(rows) >= graded
    # Without a broker every result waits in the outbox.
    assert conn.execute("SELECT COUNT(*) FROM outbox WHERE kind='result'").fetchone()[
        0
    ] >= len(rows)
    conn.close()

"""The benchmark entry point runs in --quick mode and writes a valid result file.

Only the benchmarks that start no broker and no gateway process run here (the
page benchmark runs the service in this process), to keep the test short; the
figures are not checked, only their shape.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUICK = ["pen_decode", "ingest", "grading", "clicker", "page"]


def test_quick_run_writes_json_results(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", *QUICK,
         "--results", str(tmp_path), "--name", "smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]

    files = sorted(tmp_path.glob("smoke-*.json"))
    assert [f.name for f in files if f.name.endswith("latest.json")] == [
        "smoke-latest.json"
    ]
    body = json.loads((tmp_path / "smoke-latest.json").read_text())
    assert body["mode"] == {"quick": True, "pi": False}
    assert body["machine"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert list(body["benchmarks"]) == QUICK
    for name, result in body["benchmarks"].items():
        assert result["status"] == "ok", (name, result.get("reason"))
        assert result["figures"], name
    decode = body["benchmarks"]["pen_decode"]["figures"]
    assert decode["dots"] > 0 and decode["decode_dots_per_s"] > 0
    names = {t["name"] for t in body["targets"]}
    assert "ingest >= 50k dots/s" in names
    ran = {t["name"]: t for t in body["targets"]}
    assert ran["ingest >= 50k dots/s"]["met"] in (True, False)
    assert ran["start-up < 2 s"]["met"] is None  # not run, so not claimed met
    assert "target" in done.stdout and "results:" in done.stdout

"""Start-up time and resident memory of ``edge-gateway run``.

Starts the installed console script with a configuration file, as systemd
does, and times it from the process start until ``/healthz`` answers. The
first start creates the store and loads the homework library; later starts
open the existing store. Resident memory is read from /proc once healthy
(models loaded, no class yet) and again after a short settle.

    .venv/bin/python -m benchmarks.bench_process [--starts N] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import peak_rss_mb, rss_mb
from edge.inference.recognition.recognizer import MODEL_DIR
from edge.web.security import hash_password, hash_token

SETTLE_S = 2.0
HEALTH_TIMEOUT_S = 60.0


def console_script() -> str:
    """The ``edge-gateway`` script next to this interpreter (or on PATH)."""
    local = Path(sys.executable).with_name("edge-gateway")
    found = str(local) if local.exists() else shutil.which("edge-gateway")
    if found is None:
        raise RuntimeError("edge-gateway is not installed (pip install -e .)")
    return found


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(folder: Path, port: int) -> Path:
    """A minimal gateway configuration: id, store, page; no devices, no broker."""
    path = folder / "gateway.toml"
    path.write_text(
        f"""\
[gateway]
id = "gw-bench"
db = "{folder / "gateway.db"}"

[web]
host = "127.0.0.1"
port = {port}
teacher_password_hash = "{hash_password("benchmark")}"
api_token_hash = "{hash_token("benchmark-token")}"
"""
    )
    return path


def healthy(port: int) -> bool:
    """True once ``/healthz`` answers 200."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def one_start(config: Path, port: int) -> dict[str, float]:
    """Seconds until healthy, and resident memory then and after a settle."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [console_script(), "--log-level", "WARNING", "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while not healthy(port):
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"edge-gateway run exited: {err[-500:]}")
            if time.perf_counter() - started > HEALTH_TIMEOUT_S:
                raise RuntimeError("edge-gateway run did not become healthy")
            time.sleep(0.005)
        ready_s = time.perf_counter() - started
        rss_ready = rss_mb(proc.pid)
        time.sleep(SETTLE_S)
        return {
            "ready_s": ready_s,
            "rss_ready_mb": rss_ready,
            "rss_settled_mb": rss_mb(proc.pid),
            "rss_peak_mb": peak_rss_mb(proc.pid),
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def measure(folder: Path, starts: int) -> dict[str, Any]:
    """Median start-up time (new store, then existing store) and memory."""
    if not (MODEL_DIR / "symbols.onnx").is_file():
        raise FileNotFoundError(f"no shipped symbol model in {MODEL_DIR}")
    port = free_port()
    config = write_config(folder, port)
    first = one_start(config, port)
    later = [one_start(config, port) for _ in range(starts)]

    def median(key: str) -> float:
        return round(statistics.median(run[key] for run in later), 3)

    return {
        "first_start_s": round(first["ready_s"], 3),
        "restarts": len(later),
        "start_s": median("ready_s"),
        "start_s_max": round(max(run["ready_s"] for run in later), 3),
        "rss_ready_mb": median("rss_ready_mb"),
        "rss_settled_mb": median("rss_settled_mb"),
        "rss_peak_mb": median("rss_peak_mb"),
        "phases_s": phases(min(starts, 3)),
    }


PHASES = """
import json, time
marks = [time.perf_counter()]
import edge.cli.main, edge.service, edge.web, flask, waitress
marks.append(time.perf_counter())
import edge.analytics.mastery, edge.analytics.report, edge.review
marks.append(time.perf_counter())
from edge.inference.recognition import Recognizer
from edge.inference.grading import grade
marks.append(time.perf_counter())
Recognizer.load()
marks.append(time.perf_counter())
from edge.homework.library import load_library
load_library()
marks.append(time.perf_counter())
print(json.dumps([b - a for a, b in zip(marks, marks[1:])]))
"""
PHASE_NAMES = (
    "import_service_and_page",
    "import_analytics",
    "import_recognizer_and_grader",
    "load_symbol_model",
    "validate_library_once",
)


def phases(runs: int) -> dict[str, float]:
    """Median seconds of each start-up phase, each run in a fresh interpreter."""
    samples = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", PHASES],
                capture_output=True, text=True, check=True,
            ).stdout
        )
        for _ in range(runs)
    ]  # fmt: skip
    return {
        name: round(statistics.median(s[i] for s in samples), 3)
        for i, name in enumerate(PHASE_NAMES)
    }


def main() -> None:
    """Print start-up time and memory (or, with --phases, where a start goes)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--phases", action="store_true", help="time start-up phases")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.phases:
        result: dict[str, Any] = phases(args.starts)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = measure(Path(tmp), args.starts)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:18} {value}")


if __name__ == "__main__":
    main()

"""Shared pieces of the benchmarks: context, statistics, machine facts, /proc.

The machine the figures come from is often shared with other work, so every
rate is measured several times and the median is the figure reported.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
# A Raspberry Pi 4 has four Cortex-A72 cores; --pi keeps the run on one core
# of this machine (see docs/benchmarks.md for how far that goes).
PI_CORE = 0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Context:
    """How a benchmark run was asked for: size, pinning and a scratch folder."""

    quick: bool
    pi: bool
    folder: Path

    def size(self, full: int, quick: int) -> int:
        """``quick`` in a smoke run, ``full`` otherwise."""
        return quick if self.quick else full

    @property
    def repeats(self) -> int:
        """How many times each rate is measured (the median is reported)."""
        return 1 if self.quick else 5


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summary(values: Sequence[float], digits: int = 3) -> dict[str, float]:
    """Count, median, 95th percentile, minimum and maximum, rounded."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median": round(statistics.median(values), digits),
        "p95": round(percentile(values, 0.95), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


def median_rate(measure: Callable[[], float], repeats: int) -> dict[str, Any]:
    """Run ``measure`` (which returns a rate) ``repeats`` times; median and spread."""
    rates = [measure() for _ in range(repeats)]
    return {
        "median": round(statistics.median(rates)),
        "min": round(min(rates)),
        "max": round(max(rates)),
        "runs": len(rates),
    }


def pin_to_one_core(core: int = PI_CORE) -> set[int]:
    """Keep this process (and every child it starts) on one CPU core."""
    os.sched_setaffinity(0, {core})
    return os.sched_getaffinity(0)


def cpu_model() -> str:
    """The CPU's model name as ``lscpu`` or /proc/cpuinfo gives it."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor()
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """The facts a reader needs to compare figures: CPU, cores, Python, load."""
    return {
        "cpu": cpu_model(),
        "architecture": platform.machine(),
        "cores_online": os.cpu_count(),
        "cores_used": sorted(os.sched_getaffinity(0)),
        "memory_gib": round(_meminfo_kib("MemTotal") / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": _sqlite_version(),
        "kernel": platform.release(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "mosquitto": _mosquitto_version(),
    }


def _meminfo_kib(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def _mosquitto_version() -> str | None:
    try:
        out = subprocess.run(
            ["mosquitto", "-h"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = out.splitlines()[0] if out else ""
    return first.removeprefix("mosquitto version ").strip() or None


def rss_mb(pid: int) -> float:
    """Resident memory of a process now, in MB (10^6 bytes, as targets are)."""
    return _status_kib(pid, "VmRSS") * 1024 / 1e6


def peak_rss_mb(pid: int) -> float:
    """The highest resident memory a process has had, in MB."""
    return _status_kib(pid, "VmHWM") * 1024 / 1e6


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime 14 and stime 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def write_results(name: str, body: dict[str, Any], folder: Path = RESULTS) -> Path:
    """Write one run's results as ``<name>-<time>.json`` and ``<name>-latest.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(body, indent=2, ensure_ascii=False, default=str)
    path = folder / f"{name}-{stamp}.json"
    path.write_text(text + "\n", encoding="utf-8")
    (folder / f"{name}-latest.json").write_text(text + "\n", encoding="utf-8")
    return path


def now_iso() -> str:
    """The current UTC time, to the second, for result files."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def python() -> str:
    """The interpreter running the benchmarks, for subprocesses."""
    return sys.executable

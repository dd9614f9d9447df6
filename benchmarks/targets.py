"""The gateway's speed and memory targets, checked against measured figures.

A target whose benchmark did not run is reported with ``met`` None, never
as met.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Target:
    """One figure, where it comes from, and the bound it must keep."""

    name: str
    benchmark: str
    path: tuple[str, ...]
    bound: float
    at_least: bool
    unit: str
    # Older names of the same figure, tried when ``path`` is absent.
    older: tuple[tuple[str, ...], ...] = ()

    def measured(self, results: dict[str, Any]) -> float | None:
        """The figure from a result document's benchmarks, None if absent."""
        result = results.get(self.benchmark)
        if not result or result.get("status") != "ok":
            return None
        for path in (self.path, *self.older):
            value = _dig(result["figures"], path)
            if value is not None:
                return float(value)
        return None

    def met(self, value: float | None) -> bool | None:
        """Whether ``value`` keeps the bound (None when nothing was measured)."""
        if value is None:
            return None
        compare: Callable[[float, float], bool] = (
            operator.ge if self.at_least else operator.lt
        )
        return compare(value, self.bound)


RUN_TARGETS = (
    Target("decode >= 100k dots/s, one core", "pen_decode",
           ("decode_dots_per_s",), 100_000, True, "dots/s"),
    Target("ingest >= 50k dots/s", "ingest",
           ("store_dots_per_s",), 50_000, True, "dots/s"),
    Target("drain >= 5,000 msg/s (TLS)", "outbox_drain",
           ("drain_tls_msgs_per_s",), 5_000, True, "msg/s"),
    Target("drain >= 5,000 msg/s (plain)", "outbox_drain",
           ("drain_plain_msgs_per_s",), 5_000, True, "msg/s"),
    Target("start-up < 2 s", "process", ("start_s",), 2.0, False, "s"),
    Target("memory < 150 MB (no class yet)", "process",
           ("rss_settled_mb",), 150, False, "MB"),
    Target("answer p95 < 150 ms (no load)", "page",
           ("live", "answer_after_idle_ms", "p95"), 150, False, "ms"),
    Target("recognition < 1 ms/symbol (median)", "recognition",
           ("median_cpu_ms_per_symbol",), 1.0, False, "ms",
           (("median_ms_per_symbol",),)),
    Target("recognition p95 < 10 ms/answer", "recognition",
           ("p95_cpu_ms_per_answer",), 10.0, False, "ms",
           (("p95_ms_per_answer",),)),
)  # fmt: skip

LOAD_TARGETS = (
    Target("answer p95 < 150 ms (50 pens)", "load",
           ("latency_ms", "p95"), 150, False, "ms"),
    Target("memory < 150 MB (50 pens)", "load",
           ("gateway", "rss_peak_mb"), 150, False, "MB"),
    Target("no dropped events", "load", ("dropped", "total"), 1, False, "events"),
)  # fmt: skip


def _dig(figures: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(figures, dict) or key not in figures:
            return None
        figures = figures[key]
    return figures


def check(
    results: dict[str, Any], targets: tuple[Target, ...] = RUN_TARGETS
) -> list[dict[str, Any]]:
    """Each target with its measured figure and whether it is met."""
    out = []
    for target in targets:
        value = target.measured(results)
        shown = "not run" if value is None else f"{number(value)} {target.unit}"
        out.append(
            {
                "name": target.name,
                "bound": target.bound,
                "unit": target.unit,
                "measured": value,
                "shown": shown,
                "met": target.met(value),
            }
        )
    return out


def number(value: float) -> str:
    """A figure as a reader wants it: thousands separated, small ones to 3 digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


HEADLINES: dict[str, tuple[tuple[str, ...], ...]] = {
    "pen_decode": (("decode_dots_per_s",), ("decode_and_assemble_dots_per_s",)),
    "ingest": (("store_dots_per_s",), ("raw_blob_dots_per_s",)),
    "recognition": (
        ("median_cpu_ms_per_symbol",),
        ("p95_cpu_ms_per_answer",),
        ("median_ms_per_symbol",),
        ("p95_ms_per_answer",),
    ),
    "grading": (("ms_per_answer", "median"), ("ms_per_answer", "p95")),
    "outbox_drain": (
        ("drain_tls_msgs_per_s",),
        ("raw_tls_msgs_per_s",),
        ("drain_plain_msgs_per_s",),
        ("raw_plain_msgs_per_s",),
    ),
    "clicker": (("decode_frames_per_s",), ("burst_50_clickers", "latency_ms_p95")),
    "page": (("first_byte", "/", "ttfb_ms", "median"), ("live", "ink_ms", "median")),
    "process": (("start_s",), ("rss_settled_mb",)),
}


def headline(name: str, result: dict[str, Any]) -> str:
    """A few key figures of one benchmark, or why it has none."""
    if result["status"] != "ok":
        return str(result.get("reason", ""))[:70]
    parts = []
    for path in HEADLINES.get(name, ()):
        value: Any = result["figures"]
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, int | float):
            parts.append(f"{'.'.join(path[-2:])}={number(value)}")
    return "  ".join(parts)

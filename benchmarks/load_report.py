"""Figures of a classroom load test from what the devices sent and the page saw."""

from __future__ import annotations

import itertools
import json
import statistics
from pathlib import Path
from typing import Any

from benchmarks.common import summary
from benchmarks.load_devices import ClickerClass, PenClass, Written

AnswerKey = tuple[str, str, str]  # assignment, question, student


def answer_latency(
    answers: list[Written], seen: dict[AnswerKey, float], idle_ms: int
) -> dict[str, Any]:
    """From the moment an answer could be known complete until the page had it.

    That moment is the first of: the last pen-up plus the idle wait, and the
    pen-up of the first stroke in the next answer region.
    """
    by_cause: dict[str, list[float]] = {"idle": [], "next_region": []}
    for a in answers:
        arrived = seen.get((a.assignment, a.question, a.student))
        if arrived is None or not a.last_up:
            continue
        due, cause = a.last_up + idle_ms / 1000, "idle"
        if a.next_first_up is not None and a.next_first_up < due:
            due, cause = a.next_first_up, "next_region"
        by_cause[cause].append((arrived - due) * 1000)
    every = by_cause["idle"] + by_cause["next_region"]
    return {
        **summary(every, 1),
        "closed_by_idle": summary(by_cause["idle"], 1),
        "closed_by_next_region": summary(by_cause["next_region"], 1),
    }


def results_received(record: Path) -> dict[AnswerKey, float]:
    """When the city's sink got each result (first copy), by answer."""
    out: dict[AnswerKey, float] = {}
    if not record.exists():
        return out
    for line in record.read_text().splitlines():
        at, _, student, question, assignment = json.loads(line)
        out.setdefault((assignment, question, student), at)
    return out


def outbox_lag(
    seen: dict[AnswerKey, float],
    received: dict[AnswerKey, float],
    pseudonyms: dict[str, str],
) -> dict[str, Any]:
    """Seconds from a verdict on the page to its result at the city's broker."""
    lags = []
    for (assignment, question, student), arrived in seen.items():
        at = received.get((assignment, question, pseudonyms[student]))
        if at is not None:
            lags.append((at - arrived) * 1000)
    return summary(lags, 1)


def vote_latency(clickers: ClickerClass, polls: list[tuple[float, str, int]]) -> Any:
    """Press to page for each poll's k-th first press, matched by response count."""
    lags = []
    for n, question in enumerate(clickers.questions, start=1):
        firsts: dict[int, float] = {}
        for q, clicker, at in clickers.presses:
            if q == question:
                firsts.setdefault(clicker, at)
        pressed = sorted(firsts.values())
        counts = [(at, k) for at, poll, k in polls if poll == f"poll-{n}"]
        for k, at in enumerate(pressed, start=1):
            shown = next((t for t, count in counts if count >= k), None)
            if shown is not None:
                lags.append((shown - at) * 1000)
    return summary(lags, 1)


def dropped(
    pens: PenClass,
    seen: dict[AnswerKey, float],
    final: dict[str, Any],
    summary_end: dict[str, Any],
    presses: int,
    results: int,
) -> dict[str, int]:
    """Every way an event could have been lost, and the total (must be 0)."""
    sent = pens.totals()
    decoder = final["pens"]
    issues = decoder["assembler_issues"]
    out = {
        "strokes_not_stored": sent["strokes_sent"] - summary_end["strokes"],
        "answers_not_on_page": len(pens.answers) - len(seen),
        "answers_not_stored": len(pens.answers) - summary_end["answers_received"],
        "votes_not_stored": presses - summary_end["votes"],
        "results_not_at_broker": len(seen) - results,
        "decoder_dropped_bytes": decoder["dropped_bytes"],
        "decoder_lost_events": decoder["lost_events"],
        "assembler_missing_dots": issues.get("dots_missing", 0),
        "grading_errors": final["gateway"]["errors"],
    }
    out["total"] = sum(max(0, v) for v in out.values())
    return out


def cpu_and_memory(samples: list[dict[str, Any]], peak_mb: float) -> dict[str, Any]:
    """The gateway's CPU (% of one core) and resident memory over the run."""
    cpu = [
        (b["cpu_s"] - a["cpu_s"]) / (b["t"] - a["t"]) * 100
        for a, b in itertools.pairwise(samples)
        if b["t"] > a["t"]
    ]
    rss = [s["rss_mb"] for s in samples]
    span = samples[-1]["t"] - samples[0]["t"] if len(samples) > 1 else 0.0
    return {
        "cpu_percent_of_one_core": summary(cpu, 1),
        "cpu_percent_mean": round(
            (samples[-1]["cpu_s"] - samples[0]["cpu_s"]) / span * 100, 1
        )
        if span
        else None,
        "rss_mb": summary(rss, 1),
        "rss_peak_mb": round(peak_mb, 1),
    }


def outbox_samples(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Outbox rows waiting, sampled each second."""
    return summary([s["outbox_pending"] for s in samples], 0)


def page_under_load(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Time to first byte of the summary API, asked once a second during the run."""
    return summary([s["ttfb_ms"] for s in samples], 1)


def readings(pens: PenClass, texts: dict[AnswerKey, str]) -> dict[str, Any]:
    """How many readings match what was written (a sanity check, not accuracy)."""
    same = sum(
        texts.get((a.assignment, a.question, a.student)) == a.text for a in pens.answers
    )
    return {
        "answers": len(pens.answers),
        "read_as_written": round(same / max(len(pens.answers), 1), 3),
        "median_strokes_per_answer": statistics.median(
            [a.strokes for a in pens.answers] or [0]
        ),
    }

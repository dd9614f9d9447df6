"""Run every benchmark, write the figures as JSON and print a short table.

    .venv/bin/python -m benchmarks [--quick] [--pi] [--only NAME ...]

``--quick`` is a smoke run with small sizes (figures are rough); ``--pi``
keeps the whole run on one CPU core as an approximation of a Raspberry Pi 4
(see docs/benchmarks.md). Results go to ``benchmarks/results/`` as
``run-<time>.json`` and ``run-latest.json``. The classroom load test is
separate: ``benchmarks/load_classroom.py``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import targets
from benchmarks.common import (
    RESULTS,
    Context,
    machine,
    now_iso,
    pin_to_one_core,
    write_results,
)

log = logging.getLogger(__name__)
Bench = Callable[[Context], dict[str, Any]]


def pen_decode(ctx: Context) -> dict[str, Any]:
    """Pen notifications to events (and strokes), one thread."""
    from benchmarks.bench_pen_decode import measure

    return measure(ctx.size(200_000, 20_000), repeats=ctx.size(5, 2))


def ingest(ctx: Context) -> dict[str, Any]:
    """Store ingest against raw sqlite3."""
    from benchmarks.bench_ingest import measure

    return measure(ctx.folder, ctx.size(300_000, 30_000), ctx.size(5, 1))


def recognition(ctx: Context) -> dict[str, Any]:
    """Recognition per symbol and per answer, one onnxruntime thread."""
    from benchmarks.bench_recognition import answers, measure
    from edge.inference.recognition.recognizer import Recognizer

    return measure(Recognizer.load(), answers(ctx.size(300, 30)))


def grading(ctx: Context) -> dict[str, Any]:
    """Grading per answer."""
    from benchmarks.bench_grading import measure

    return measure(ctx.size(2000, 200), passes=ctx.size(3, 1))


def outbox_drain(ctx: Context) -> dict[str, Any]:
    """Outbox drain and raw paho publishing to a local mosquitto."""
    from benchmarks.bench_outbox_drain import measure

    return measure(ctx.folder, ctx.size(10_000, 500), ctx.size(3, 1))


def clicker(ctx: Context) -> dict[str, Any]:
    """Clicker codec, poll, store, and a burst of 50 presses over a pty."""
    from benchmarks import bench_clicker as b

    votes = ctx.size(50_000, 5_000)
    out: dict[str, Any] = {}
    out.update(b.bench_codec(votes))
    out.update(b.bench_poll(votes))
    out.update(b.bench_store(ctx.size(500, 50), ctx.folder))
    out["burst_50_clickers"] = b.bench_end_to_end(ctx.folder, 50, 0.0, batch=True)
    return out


def page(ctx: Context) -> dict[str, Any]:
    """Teacher page time to first byte and live updates over SSE."""
    from benchmarks.bench_page import measure

    return measure(ctx.folder, ctx.size(50, 5), ctx.size(40, 5))


def process(ctx: Context) -> dict[str, Any]:
    """Start-up time of ``edge-gateway run`` and its memory with models loaded."""
    from benchmarks.bench_process import measure

    return measure(ctx.folder, ctx.size(5, 1))


BENCHMARKS: dict[str, Bench] = {
    "pen_decode": pen_decode,
    "ingest": ingest,
    "recognition": recognition,
    "grading": grading,
    "outbox_drain": outbox_drain,
    "clicker": clicker,
    "page": page,
    "process": process,
}


def run_one(name: str, bench: Bench, ctx: Context) -> dict[str, Any]:
    """One benchmark's figures, or why it was skipped or failed."""
    folder = ctx.folder / name
    folder.mkdir()
    started = time.perf_counter()
    try:
        figures = bench(Context(ctx.quick, ctx.pi, folder))
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        if missing_part(exc):
            status, figures = "skipped", {}
        else:
            log.debug("%s failed", name, exc_info=True)
            status, figures = "error", {"traceback": traceback.format_exc()[-2000:]}
    else:
        status, reason = "ok", None
    result: dict[str, Any] = {
        "status": status,
        "seconds": round(time.perf_counter() - started, 1),
        "figures": figures,
    }
    if reason:
        result["reason"] = reason
    return result


def missing_part(exc: Exception) -> bool:
    """Whether ``exc`` says a piece is absent (a model not trained yet, say)."""
    from edge.errors import RecognitionError

    if isinstance(exc, RecognitionError):
        return str(exc).startswith("no symbol model")
    return isinstance(exc, FileNotFoundError | ModuleNotFoundError)


def run(names: list[str], quick: bool, pi: bool) -> dict[str, Any]:
    """Run the named benchmarks; the whole result document."""
    body: dict[str, Any] = {
        "kind": "benchmarks",
        "started": now_iso(),
        "mode": {"quick": quick, "pi": pi},
        "machine": machine(),
        "benchmarks": {},
    }
    with tempfile.TemporaryDirectory(prefix="edge-bench-") as tmp:
        ctx = Context(quick, pi, Path(tmp))
        for name in names:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            body["benchmarks"][name] = run_one(name, BENCHMARKS[name], ctx)
    body["finished"] = now_iso()
    body["targets"] = targets.check(body["benchmarks"])
    return body


def table(body: dict[str, Any]) -> str:
    """The short table: each benchmark's headline figures and each target."""
    lines = [f"{'benchmark':14} {'status':8} {'s':>6}  headline"]
    for name, result in body["benchmarks"].items():
        headline = targets.headline(name, result)
        lines.append(
            f"{name:14} {result['status']:8} {result['seconds']:6.1f}  {headline}"
        )
    lines.append("")
    lines.append(f"{'target':38} {'measured':>14}  met")
    for target in body["targets"]:
        met = {True: "yes", False: "NO", None: "-"}[target["met"]]
        lines.append(f"{target['name']:38} {target['shown']:>14}  {met}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse the options, pin if asked, run, write and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small, fast smoke run")
    parser.add_argument(
        "--pi", action="store_true", help="pin to one core (Raspberry Pi 4 estimate)"
    )
    parser.add_argument(
        "--only", nargs="+", choices=sorted(BENCHMARKS), help="run just these"
    )
    parser.add_argument("--name", default="run", help="result file prefix")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="folder for the JSON results"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    if args.pi:
        pin_to_one_core()
    body = run(args.only or list(BENCHMARKS), args.quick, args.pi)
    path = write_results(args.name, body, args.results)
    print(table(body))
    print(f"\nresults: {path}")
    failed = [n for n, r in body["benchmarks"].items() if r["status"] == "error"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

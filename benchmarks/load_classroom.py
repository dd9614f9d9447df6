"""Classroom load test: 50 pens at full dot rate and 50 clickers for minutes.

The gateway runs in its own process (``benchmarks/classroom_gateway.py``):
real store, ingest, recognizer, grader, mastery, teacher page, and uplink
over TLS to a local mosquitto; pen notifications go through the real pen
decoder and stroke assembler, and the clicker receiver through the real
serial transport on a pseudo-terminal. This process plays the class (pens
and clickers), the teacher's open page (the event stream, and the summary
once a second) and the city (a subscriber counting every result).

Reported: latency from an answer's last pen-up to its graded result on the
page (the deliberate end-of-answer wait excluded), the gateway's CPU and
memory, dropped events (must be none) and outbox lag.

    .venv/bin/python -m benchmarks.load_classroom [--minutes 3] [--pi]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import load_report as report
from benchmarks import targets
from benchmarks.bench_outbox_drain import GATEWAY, local_broker
from benchmarks.classroom import TOKEN
from benchmarks.common import (
    cpu_seconds,
    machine,
    now_iso,
    peak_rss_mb,
    python,
    rss_mb,
    write_results,
)
from benchmarks.load_devices import ClickerClass, PenClass
from benchmarks.sse import Api, EventStream
from edge.sim.classroom import make_class
from edge.sim.clicker_receiver import EmulatedReceiver

GATEWAY_CORE, CLASS_CORE = 0, 1


class PageWatch:
    """The teacher's open page: when each verdict and poll count arrived."""

    def __init__(self) -> None:
        self.answers: dict[report.AnswerKey, float] = {}
        self.readings: dict[report.AnswerKey, str] = {}
        self.polls: list[tuple[float, str, int]] = []
        self.repeats = 0

    def on_event(self, arrived: float, kind: str, data: dict[str, Any]) -> None:
        if kind == "answer":
            key = (data["assignment"], data["question"], data["student"])
            if key in self.answers:
                self.repeats += 1
                return
            self.answers[key] = arrived
            self.readings[key] = data["reading"]
        elif kind == "poll":
            self.polls.append((arrived, data["poll"], data["responses"]))


class Sampler:
    """Once a second: the gateway's CPU time, memory, summary and its TTFB."""

    def __init__(self, pid: int, api: Api) -> None:
        self.pid = pid
        self.api = api
        self.samples: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> float:
        """Stop sampling; the gateway's peak resident memory (MB)."""
        self._stop.set()
        self._thread.join(5)
        return peak_rss_mb(self.pid)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            status, body, first, _ = self.api.get("/api/v1/summary")
            summary = json.loads(body) if status == 200 else {}
            self.samples.append(
                {
                    "t": time.time(),
                    "cpu_s": cpu_seconds(self.pid),
                    "rss_mb": rss_mb(self.pid),
                    "ttfb_ms": first * 1000,
                    "outbox_pending": summary.get("outbox_pending", 0),
                    "uplink": summary.get("uplink", {}),
                }
            )


def start_gateway(folder: Path, args: argparse.Namespace, broker: Any, pki: Any) -> Any:
    """The gateway process, pinned to one core in ``--pi`` mode; and its hello."""
    uplink = {
        "broker": broker.url,
        "ca_file": str(pki.ca_cert),
        "cert_file": str(pki.cert(GATEWAY)),
        "key_file": str(pki.key(GATEWAY)),
    }
    if args.no_uplink:
        uplink = {}
    command = [
        python(), "-m", "benchmarks.classroom_gateway", "--folder", str(folder),
        "--clicker-port", str(folder / "ttyCLICKER"), "--uplink", json.dumps(uplink),
        "--idle-ms", str(args.idle_ms), "--students", str(args.pens),
        "--poll-s", str(args.poll_s),
    ]  # fmt: skip
    if args.model_dir:
        command += ["--model-dir", str(args.model_dir)]
    if args.pi:
        command = ["taskset", "-c", str(GATEWAY_CORE), *command]
    log = (folder / "gateway.log").open("w")
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(10)
        raise RuntimeError(f"gateway exited: {(folder / 'gateway.log').read_text()}")
    return proc, json.loads(line)


def wait_for(test: Any, timeout: float, step: float = 0.2) -> bool:
    """Poll ``test`` until it is true or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the class against the gateway; the result document."""
    if args.pi:
        os.sched_setaffinity(0, {CLASS_CORE})
    students = make_class(args.pens, seed=8)
    with tempfile.TemporaryDirectory(prefix="edge-load-") as tmp:
        folder = Path(tmp)
        record = folder / "results.jsonl"
        with local_broker(folder, record) as (broker, pki):
            emulator = EmulatedReceiver(folder / "ttyCLICKER", seed=4)
            emulator.plug()
            try:
                body = _class_against(folder, args, broker, pki, emulator, students)
            finally:
                emulator.close()
        received = report.results_received(record)
    pseudonyms = {s.student.id: s.student.pseudonym for s in students}
    figures = body.pop("_raw")
    body["outbox"]["lag_ms"] = report.outbox_lag(figures["seen"], received, pseudonyms)
    body["dropped"] = report.dropped(
        figures["pens"], figures["seen"], body["gateway_counters"],
        body["summary_end"], len(figures["clickers"].presses),
        len(figures["seen"]) if args.no_uplink else len(received),
    )  # fmt: skip
    return body


def _class_against(
    folder: Path,
    args: argparse.Namespace,
    broker: Any,
    pki: Any,
    emulator: EmulatedReceiver,
    students: list[Any],
) -> dict[str, Any]:
    proc, hello = start_gateway(folder, args, broker, pki)
    api = Api(hello["url"], TOKEN)
    watch = PageWatch()
    stream = EventStream(api, watch.on_event)
    stream.start()
    sampler = Sampler(hello["pid"], api)
    clickers = ClickerClass(emulator, [s.clicker for s in students])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(hello["socket"])
    pens = PenClass(students, sock, args.dot_rate, args.idle_ms)
    try:
        sampler.start()
        clickers.start()
        started = time.time()
        pens.run(until=started + args.minutes * 60)
        writing_s = time.time() - started
        everything = len(pens.answers)
        wait_for(lambda: len(watch.answers) >= everything, args.idle_ms / 1000 + 30)
        clickers.stop()
        emulator.wait_acknowledged(15)
        drained_at = time.time()
        if not args.no_uplink:
            wait_for(lambda: api.json("/api/v1/summary")["outbox_pending"] == 0, 120)
        drain_s = time.time() - drained_at
        summary_end = api.json("/api/v1/summary")
        peak = sampler.stop()
    finally:
        sock.close()
        stream.close()
        proc.send_signal(signal.SIGTERM)
    assert proc.stdout is not None
    out, _ = proc.communicate(timeout=60)
    counters = json.loads(out.strip().splitlines()[-1])
    sent = pens.totals()
    return {
        "kind": "load_classroom",
        "started": now_iso(),
        "mode": {"pi": args.pi, "minutes": args.minutes, "uplink": not args.no_uplink},
        "machine": machine(),
        "settings": {
            "pens": args.pens,
            "clickers": len(students),
            "dot_rate": args.dot_rate,
            "idle_ms": args.idle_ms,
            "poll_s": args.poll_s,
        },
        "offered": sent
        | {
            "writing_s": round(writing_s, 1),
            "dots_per_s_per_pen": round(sent["dots_sent"] / writing_s / args.pens, 1),
            "dots_per_s_total": round(sent["dots_sent"] / writing_s),
            "sender_late_ms": report.summary([x * 1000 for x in pens.late_s], 1),
        },
        "latency_ms": report.answer_latency(pens.answers, watch.answers, args.idle_ms),
        "gateway": report.cpu_and_memory(sampler.samples, peak),
        "page_summary_ttfb_ms": report.page_under_load(sampler.samples),
        "clickers": {
            "polls": len(clickers.questions),
            "presses": len(clickers.presses),
            "press_to_page_ms": report.vote_latency(clickers, watch.polls),
            "receiver_retransmissions": emulator.stats.retransmissions,
        },
        "outbox": {
            "pending": report.outbox_samples(sampler.samples),
            "drain_after_class_s": round(drain_s, 1),
        },
        "readings": report.readings(pens, watch.readings),
        "page_repeated_events": watch.repeats,
        "summary_end": summary_end,
        "gateway_counters": counters,
        "_raw": {"pens": pens, "seen": watch.answers, "clickers": clickers},
    }


def table(body: dict[str, Any]) -> str:
    """The short table: load, latency, CPU, memory, drops, outbox, targets."""
    lat, gw, off = body["latency_ms"], body["gateway"], body["offered"]
    lines = [
        f"pens {off['pens']}, {off['dots_per_s_per_pen']} dots/s per pen "
        f"({off['dots_per_s_total']} dots/s), {off['answers_written']} answers, "
        f"{body['clickers']['presses']} clicker presses in {off['writing_s']} s",
        f"answer latency ms: median {lat.get('median')}  p95 {lat.get('p95')}  "
        f"max {lat.get('max')}  (n={lat.get('n')})",
        f"gateway CPU % of one core: mean {gw['cpu_percent_mean']}  "
        f"p95 {gw['cpu_percent_of_one_core'].get('p95')};  RSS MB: median "
        f"{gw['rss_mb'].get('median')}  peak {gw['rss_peak_mb']}",
        f"dropped: {body['dropped']['total']}  {body['dropped']}",
        f"outbox pending: {body['outbox']['pending']}; lag ms: "
        f"{body['outbox']['lag_ms']}",
        "worker stages, ms median/p95 (calls): "
        + ", ".join(
            f"{stage} {s.get('median')}/{s.get('p95')} ({s.get('n')})"
            for stage, s in body["gateway_counters"].get("stage_ms", {}).items()
        ),
        "",
    ]
    for target in body["targets"]:
        met = {True: "yes", False: "NO", None: "-"}[target["met"]]
        lines.append(f"{target['name']:38} {target['shown']:>14}  {met}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the class, write and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--pens", type=int, default=50, help="pens and clickers")
    parser.add_argument(
        "--dot-rate",
        type=float,
        default=240.0,
        help="pen sampling while writing, dots/s (240 makes ~100 dots/s a pen "
        "on average over the run, pauses included)",
    )
    parser.add_argument(
        "--no-uplink", action="store_true", help="run without the uplink (outbox fills)"
    )
    parser.add_argument("--idle-ms", type=int, default=2500)
    parser.add_argument("--poll-s", type=float, default=30.0)
    parser.add_argument("--model-dir", type=Path, help="symbol model folder")
    parser.add_argument("--pi", action="store_true", help="gateway on one core")
    parser.add_argument("--name", default="load")
    args = parser.parse_args(argv)
    body = run(args)
    body["targets"] = targets.check(
        {"load": {"status": "ok", "figures": body}}, targets.LOAD_TARGETS
    )
    path = write_results(args.name, body)
    print(table(body))
    print(f"\nresults: {path}")
    with contextlib.suppress(KeyError):
        return 0 if body["dropped"]["total"] == 0 else 1
    return 1


if __name__ == "__main__":
    sys.exit(main())

"""Clicker path: codec and poll speed, store cost, press-to-count latency.

Run: ``.venv/bin/python benchmarks/bench_clicker.py [--votes N] [--json]``.
The end-to-end part runs the real serial transport against the emulated
receiver on a pseudo-terminal, with a SQLite store in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from edge.drivers.clicker.codec import Decoder, encode
from edge.drivers.clicker.config import ClickerConfig
from edge.drivers.clicker.messages import VoteReport
from edge.drivers.clicker.transport_serial import SerialReceiver
from edge.models import Student, Vote
from edge.polls import Poll, PollBook
from edge.sim.clicker_receiver import EmulatedReceiver, Faults
from edge.store import Store


def bench_codec(n: int) -> dict[str, float]:
    """Encode and decode ``n`` VOTE frames; the stream is fed in 64-byte reads."""
    reports = [
        VoteReport(7, 0xA0000000 + i % 60, i & 0xFF, -60, 10, "B") for i in range(n)
    ]
    started = time.perf_counter()
    stream = b"".join(encode(r, i & 0xFF) for i, r in enumerate(reports))
    encode_s = time.perf_counter() - started

    decoder = Decoder()
    started = time.perf_counter()
    frames = 0
    for i in range(0, len(stream), 64):
        frames += len(decoder.feed(stream[i : i + 64]))
    decode_s = time.perf_counter() - started
    assert frames == n
    return {
        "encode_frames_per_s": n / encode_s,
        "decode_frames_per_s": n / decode_s,
        "decode_mb_per_s": len(stream) / decode_s / 1e6,
    }


def bench_poll(n: int) -> dict[str, float]:
    """Votes per second through the pure poll (with 20 % retransmissions)."""
    rng = random.Random(1)
    votes = [
        Vote(f"C{i % 60}", rng.choice("ABCD"), (i // 60) & 0xFF, -60, i)
        for i in range(n)
    ]
    votes += rng.sample(votes, n // 5)
    poll = Poll("bench", "single", 4)
    started = time.perf_counter()
    for vote in votes:
        poll.vote(vote, vote.clicker)
    return {"poll_votes_per_s": len(votes) / (time.perf_counter() - started)}


def bench_store(n: int, folder: Path) -> dict[str, float]:
    """Votes per second through PollBook into SQLite (one durable commit each)."""
    store = classroom_store(folder / "store-bench.db", 60)
    book = PollBook(store, clock=lambda: int(time.time() * 1000))
    book.start("bench", "single", 4)
    started = time.perf_counter()
    for i in range(n):
        book.record(
            Vote(f"{0xA0000000 + i % 60:08X}", "ABCD"[i % 4], i // 60, -60, i, "bench")
        )
    elapsed = time.perf_counter() - started
    store.close()
    return {"stored_votes_per_s": n / elapsed, "store_ms_per_vote": elapsed / n * 1000}


def classroom_store(path: Path, size: int) -> Store:
    store = Store(path, "gw-bench")
    store.save_students(Student(f"s{i}", f"S {i}", f"p{i}", i) for i in range(size))
    for i in range(size):
        store.bind_device(f"{0xA0000000 + i:08X}", "clicker", f"s{i}")
    return store


def bench_end_to_end(
    folder: Path, clickers: int, noise: float, batch: bool
) -> dict[str, Any]:
    """One press per clicker at once: latency from press to counted, burst time."""
    store = classroom_store(folder / f"store-e2e-{noise}-{batch}.db", clickers)
    counted: dict[str, float] = {}
    done = threading.Event()
    link = folder / "ttyBENCH"
    faults = Faults(noise=noise, split=noise, corrupt=noise / 3)
    emulator = EmulatedReceiver(link, faults=faults, seed=3)
    emulator.plug()

    def deliver(events: list[Any]) -> None:
        book.handle_all(events)
        for event in events:
            if isinstance(event, Vote):
                counted.setdefault(event.clicker, time.perf_counter())
        if len(counted) == clickers:
            done.set()

    config = ClickerConfig(port=str(link))
    if batch:
        receiver = SerialReceiver(config, on_batch=deliver)
    else:
        receiver = SerialReceiver(config, lambda event: deliver([event]))
    book = PollBook(store, receiver, clock=lambda: int(time.time() * 1000))
    receiver.start()
    try:
        book.start("e2e", "single", 4)
        while not emulator.question:
            time.sleep(0.01)
        pressed: dict[str, float] = {}
        started = time.perf_counter()
        for i in range(clickers):
            pressed[f"{0xA0000000 + i:08X}"] = time.perf_counter()
            emulator.press(0xA0000000 + i, "ABCD"[i % 4])
        done.wait(30)
        burst_s = time.perf_counter() - started
    finally:
        receiver.stop()
        emulator.close()
        store.close()
    latencies = sorted((counted[c] - pressed[c]) * 1000 for c in counted)
    return {
        "clickers": clickers,
        "line_noise": noise,
        "one_commit_per_read": batch,
        "all_counted": len(counted) == clickers,
        "burst_s": burst_s,
        "latency_ms_median": statistics.median(latencies),
        "latency_ms_p95": latencies[int(0.95 * (len(latencies) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--votes", type=int, default=50_000)
    parser.add_argument("--clickers", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    results.update(bench_codec(args.votes))
    results.update(bench_poll(args.votes))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results.update(bench_store(min(args.votes, 500), folder))
        clickers = args.clickers
        results["quiet_line"] = bench_end_to_end(folder, clickers, 0.0, batch=True)
        results["noisy_line"] = bench_end_to_end(folder, clickers, 0.2, batch=True)
        results["commit_per_vote"] = bench_end_to_end(
            folder, clickers, 0.0, batch=False
        )
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for key, value in results.items():
        print(
            f"{key:24} {value:.1f}" if isinstance(value, float) else f"{key:24} {value}"
        )


if __name__ == "__main__":
    main()

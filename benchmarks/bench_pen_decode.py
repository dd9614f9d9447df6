"""Pen decoding throughput: live dots per second on one core.

Feeds MTU-23 notifications of a long live session (strokes of 60 dots, about
a fifth of the dot frames carrying a stuffed byte) through the decoder and,
separately, through decoder plus stroke assembly.

    .venv/bin/python benchmarks/bench_pen_decode.py [--dots N] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from edge.drivers.pen.codec import PenDecoder
from edge.drivers.pen.emulate import live_notifications
from edge.drivers.pen.strokes import StrokeAssembler
from edge.models import Dot, PageAddress, Stroke

PAGE = PageAddress(3, 27, 603, 1)


def session(dots: int, per_stroke: int = 60) -> list[Stroke]:
    """Strokes of random-walk dots, 10 ms apart, totalling ``dots`` dots."""
    rng = random.Random(7)
    t, strokes = 1_700_000_000_000, []
    for _ in range(dots // per_stroke):
        x, y = rng.uniform(5, 90), rng.uniform(5, 120)
        points = []
        for _ in range(per_stroke):
            x, y, t = x + rng.uniform(-0.3, 0.3), y + rng.uniform(-0.3, 0.3), t + 10
            points.append(Dot(round(x, 2), round(y, 2), rng.randint(100, 800), t))
        strokes.append(Stroke("bench", PAGE, tuple(points)))
        t += 300
    return strokes


def run(notifications: list[bytes], assemble: bool) -> tuple[float, int]:
    """Seconds spent and strokes produced for one pass."""
    decoder, assembler = PenDecoder("bench"), StrokeAssembler("bench")
    made = 0
    start = time.perf_counter()
    for value in notifications:
        events = decoder.feed(value)
        if assemble:
            for event in events:
                made += len(assembler.feed(event))
    return time.perf_counter() - start, made


def measure(dots: int, repeats: int = 5) -> dict[str, float | int]:
    """Dots per second decoded, and decoded plus assembled: median of ``repeats``.

    The fastest pass is given too: on a shared machine it is the closest to
    what the code costs when nothing else runs.
    """
    strokes = session(dots)
    dots = sum(len(s.dots) for s in strokes)
    notifications = live_notifications(strokes, mtu=23)
    volume = sum(len(n) for n in notifications)

    decode = [run(notifications, False)[0] for _ in range(repeats)]
    passes = [run(notifications, True) for _ in range(repeats)]
    assert all(made == len(strokes) for _, made in passes)
    both = [seconds for seconds, _ in passes]
    return {
        "dots": dots,
        "notifications": len(notifications),
        "bytes": volume,
        "passes": repeats,
        "decode_dots_per_s": round(dots / statistics.median(decode)),
        "decode_dots_per_s_best": round(dots / min(decode)),
        "decode_and_assemble_dots_per_s": round(dots / statistics.median(both)),
        "decode_mb_per_s": round(volume / statistics.median(decode) / 1e6, 2),
    }


def main() -> None:
    """Print dots per second for decoding alone and with stroke assembly."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dots", type=int, default=120_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.dots)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:32} {value}")


if __name__ == "__main__":
    main()

"""``edge-gateway pen``: tools for smart pens (``pen decode CAPTURE``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from edge.drivers.pen.capture import BadLine, read_capture
from edge.drivers.pen.codec import PenDecoder
from edge.drivers.pen.eventjson import event_json


def register(subparsers: Any) -> None:
    """Add the ``pen`` subcommand and its ``decode`` action."""
    pen = subparsers.add_parser("pen", help="smart-pen tools")
    actions = pen.add_subparsers(dest="pen_command", metavar="ACTION", required=True)
    decode = actions.add_parser(
        "decode",
        help="decode a pen capture into events",
        description=(
            "Read a capture (one notification per line as hex, optionally after"
            " a millisecond timestamp and a space; '#' starts a comment) and"
            " print one JSON object per decoded event."
        ),
    )
    decode.add_argument("capture", help="capture file, or - for standard input")
    decode.add_argument(
        "--json",
        action="store_true",
        help="also print the closing summary as JSON on stdout (else on stderr)",
    )
    decode.set_defaults(func=run_decode)


@contextmanager
def _open(path: str) -> Iterator[TextIO]:
    if path == "-":
        yield sys.stdin
        return
    with Path(path).open(encoding="utf-8") as handle:
        yield handle


def run_decode(args: argparse.Namespace) -> int:
    """Print the events of a capture; returns the exit status."""
    decoder = PenDecoder(label=args.capture)
    counts: Counter[str] = Counter()
    with _open(args.capture) as handle:
        for line in read_capture(handle, name=args.capture):
            if isinstance(line, BadLine):
                counts["error"] += 1
                bad = {"type": "error", "reason": "bad_line", "line": line.line}
                print(json.dumps({**bad, "detail": line.reason}, ensure_ascii=False))
                continue
            extra: dict[str, Any] = {"line": line.line}
            if line.t_ms is not None:
                extra["t_ms"] = line.t_ms
            for event in decoder.feed(line.data):
                counts[event.TYPE] += 1
                print(json.dumps(event_json(event, **extra), ensure_ascii=False))
    for event in decoder.flush():
        counts[event.TYPE] += 1
        print(json.dumps(event_json(event), ensure_ascii=False))
    _summary(decoder, counts, as_json=args.json)
    return 0


def _summary(decoder: PenDecoder, counts: Counter[str], *, as_json: bool) -> None:
    stats = decoder.stats
    summary = {
        "type": "summary",
        "frames": stats.frames,
        "events": dict(sorted(counts.items())),
        "dropped_bytes": stats.dropped_bytes,
        "lost_events": stats.lost_events,
    }
    if as_json:
        print(json.dumps(summary))
        return
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    print(
        f"{stats.frames} frames: {kinds or 'no events'};"
        f" {stats.dropped_bytes} bytes dropped, {stats.lost_events} events lost",
        file=sys.stderr,
    )

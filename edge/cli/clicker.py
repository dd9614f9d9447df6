"""``edge-gateway clicker``: decode captures, listen to a receiver, emulate one."""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from edge.drivers.clicker.capture import decode_lines
from edge.drivers.clicker.config import ClickerConfig
from edge.drivers.clicker.events import ClickerEvent
from edge.errors import EdgeError


def register(subparsers: Any) -> None:
    """Add the ``clicker`` subcommand and its actions."""
    clicker = subparsers.add_parser("clicker", help="clicker receiver tools")
    actions = clicker.add_subparsers(
        dest="clicker_command", metavar="ACTION", required=True
    )
    decode = actions.add_parser(
        "decode",
        help="decode a receiver capture into messages",
        description=(
            "Read a capture (one chunk per line as hex, optionally after a"
            " millisecond timestamp and a space; '#' starts a comment) and print"
            " one JSON object per message; dropped bytes print as type 'error'."
        ),
    )
    decode.add_argument("capture", help="capture file, or - for standard input")
    decode.add_argument(
        "--json",
        action="store_true",
        help="also print the closing summary as JSON on stdout (else on stderr)",
    )
    decode.set_defaults(func=run_decode)

    listen = actions.add_parser(
        "listen", help="connect to the receiver and print its events as JSON"
    )
    listen.add_argument("--port", help="serial port (default: find the receiver)")
    listen.add_argument(
        "--duration", type=float, default=0, help="seconds, 0 = forever"
    )
    listen.add_argument(
        "--open",
        metavar="KIND[:OPTIONS]",
        help="open a question so keypads send, e.g. single:4 or true_false",
    )
    listen.add_argument("--json", action="store_true", help="JSON output (the default)")
    listen.set_defaults(func=run_listen)

    emulate = actions.add_parser(
        "emulate", help="run an emulated receiver with voting clickers on a pty"
    )
    emulate.add_argument("--link", help="path of the port link to create")
    emulate.add_argument("--clickers", type=int, default=30, help="number of clickers")
    emulate.add_argument(
        "--noise", type=float, default=0.0, help="chance of line noise"
    )
    emulate.add_argument(
        "--duration", type=float, default=0, help="seconds, 0 = forever"
    )
    emulate.add_argument("--json", action="store_true", help="print the link as JSON")
    emulate.set_defaults(func=run_emulate)


@contextmanager
def _open(path: str) -> Iterator[TextIO]:
    if path == "-":
        yield sys.stdin
        return
    try:
        # Opened here so that only the open's own failure becomes a user error.
        handle = Path(path).open(encoding="utf-8", errors="replace")  # noqa: SIM115
    except OSError as exc:
        raise EdgeError(f"cannot read capture {path}: {exc.strerror}") from exc
    with handle:
        yield handle


def run_decode(args: argparse.Namespace) -> int:
    """Print every message and error of a capture; returns the exit status."""
    counts: Counter[str] = Counter()
    dropped = 0
    with _open(args.capture) as handle:
        for event in decode_lines(handle):
            counts[event["type"]] += 1
            dropped += int(event.get("bytes", 0))
            print(json.dumps(event, ensure_ascii=False))
    summary = {
        "type": "summary",
        "messages": dict(sorted(counts.items())),
        "dropped_bytes": dropped,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        parts = ", ".join(f"{n} {t}" for t, n in sorted(counts.items())) or "nothing"
        print(f"{args.capture}: {parts}; {dropped} bytes dropped", file=sys.stderr)
    return 0


def _event_json(event: ClickerEvent) -> dict[str, Any]:
    name = type(event).__name__
    kind = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    return {"type": kind, **dataclasses.asdict(event)}


def run_listen(args: argparse.Namespace) -> int:
    """Print the receiver's events until the time is up or Ctrl-C."""
    from edge.drivers.clicker.transport_serial import SerialReceiver

    closed = threading.Event()

    def show(event: ClickerEvent) -> None:
        if closed.is_set():
            return
        try:
            print(json.dumps(_event_json(event), ensure_ascii=False), flush=True)
        except BrokenPipeError:
            closed.set()  # the reader went away, for example `| head`

    receiver = SerialReceiver(ClickerConfig(port=args.port), show)
    if args.open:
        kind, options = _question(args.open)
        receiver.start_question("listen", kind, options)
    receiver.start()
    try:
        _wait(args.duration, closed)
    finally:
        receiver.stop()
    return 0


def _question(text: str) -> tuple[str, int]:
    kind, _, options = text.partition(":")
    if options and not options.isdigit():
        raise EdgeError(f"--open {text}: the number of options must be a number")
    return kind, int(options or 0)


def run_emulate(args: argparse.Namespace) -> int:
    """Run an emulated receiver whose clickers vote whenever a question is open."""
    from edge.sim.clicker_receiver import EmulatedReceiver, Faults

    link = Path(args.link or Path(tempfile.mkdtemp()) / "ttyCLICKER")
    faults = Faults(noise=args.noise)
    with EmulatedReceiver(link, faults=faults, seed=int(time.time())) as receiver:
        note = {"link": str(link), "clickers": args.clickers}
        print(json.dumps(note) if args.json else f"receiver on {link}", flush=True)
        rng = random.Random()
        deadline = time.monotonic() + args.duration if args.duration else None
        try:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(rng.uniform(0.05, 0.5))
                answer = receiver.sample_answer(rng)
                if answer is not None:
                    receiver.press(0xA0000000 + rng.randrange(args.clickers), answer)
        except KeyboardInterrupt:
            pass
    return 0


def _wait(duration: float, done: threading.Event) -> None:
    deadline = time.monotonic() + duration if duration else None
    try:
        while not done.is_set() and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass

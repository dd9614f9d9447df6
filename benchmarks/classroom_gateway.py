"""The gateway side of the classroom load test, run as its own process.

It is the real gateway service (store, ingest worker, recognizer, grader,
mastery, teacher page, uplink to a broker) with the real device drivers in
front of it: each pen's notifications go through its own ``PenDecoder`` and
``StrokeAssembler`` on one reader thread, as a BLE event loop delivers them,
and the clicker receiver is opened through the real serial transport on a
pseudo-terminal. Only the radio is left out: notification values arrive on a
Unix socket as ``[pen index][length][value]`` records.

Prints one JSON line when ready (page URL, pid) and, after SIGTERM, one JSON
line of counters. Started by ``benchmarks/load_classroom.py``.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.classroom import enrol, start_service
from benchmarks.common import summary
from edge.drivers.clicker.config import ClickerConfig
from edge.drivers.clicker.transport_serial import SerialReceiver
from edge.drivers.pen.codec import PenDecoder
from edge.drivers.pen.strokes import StrokeAssembler
from edge.models import Stroke
from edge.polls import PollBook
from edge.service import GatewayService

log = logging.getLogger(__name__)
ACTIVE = "math-g8-01-fractions"


class PenReader:
    """One thread reading every pen's notifications, as the BLE loop would."""

    def __init__(self, service: GatewayService, pens: list[str], path: Path) -> None:
        self.gateway = service.gateway
        self.decoders = [PenDecoder(pen) for pen in pens]
        self.assemblers = [StrokeAssembler(pen) for pen in pens]
        self.notifications = 0
        self.strokes = 0
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(path))
        self._server.listen(1)
        self._thread = threading.Thread(target=self._run, name="pens", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        conn, _ = self._server.accept()
        buffer = bytearray()
        with conn:
            while chunk := conn.recv(65536):
                buffer += chunk
                self._feed(buffer)
        self._close_all()

    def _feed(self, buffer: bytearray) -> None:
        strokes: list[Stroke] = []
        at = 0
        while at + 2 <= len(buffer) and at + 2 + buffer[at + 1] <= len(buffer):
            pen, size = buffer[at], buffer[at + 1]
            value = bytes(buffer[at + 2 : at + 2 + size])
            at += 2 + size
            self.notifications += 1
            for event in self.decoders[pen].feed(value):
                strokes.extend(self.assemblers[pen].feed(event))
        del buffer[:at]
        if strokes:
            self.strokes += len(strokes)
            self.gateway.submit(strokes)

    def _close_all(self) -> None:
        rest = [s for a in self.assemblers for s in a.close()]
        if rest:
            self.strokes += len(rest)
            self.gateway.submit(rest).result(30)

    def counters(self) -> dict[str, Any]:
        """Decoder and assembler counters summed over every pen."""
        issues: Counter[str] = Counter()
        for assembler in self.assemblers:
            issues.update(str(k) for k in assembler.issues.elements())
        stats = [d.stats for d in self.decoders]
        return {
            "notifications": self.notifications,
            "strokes_assembled": self.strokes,
            "frames": sum(s.frames for s in stats),
            "dropped_bytes": sum(s.dropped_bytes for s in stats),
            "gaps": sum(s.gaps for s in stats),
            "lost_events": sum(s.lost_events for s in stats),
            "assembler_issues": dict(issues),
        }


class StageTimes:
    """Wall time the ingest worker spends in each stage of finishing an answer.

    The stages are wrapped from outside (reader, grader, store, listeners),
    so the gateway runs unchanged; the figures say where its time goes.
    """

    def __init__(self, service: GatewayService) -> None:
        self.times: dict[str, list[float]] = {}
        gateway = service.gateway
        reader = gateway.reader
        gateway.reader = _Reader(reader, self._timed("read", reader.read))  # type: ignore[assignment]
        gateway.grader = self._timed("grade", gateway.grader)
        store = service.store
        # The worker stores the answers finished in a tick in one commit.
        store.save_answers = self._timed("store", store.save_answers)  # type: ignore[method-assign]
        store.add_strokes = self._timed("commit_strokes", store.add_strokes)  # type: ignore[method-assign]
        gateway.listeners[:] = [self._timed("listeners", f) for f in gateway.listeners]

    def _timed(self, stage: str, call: Any) -> Any:
        times = self.times.setdefault(stage, [])

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                times.append((time.perf_counter() - started) * 1000)

        return timed

    def summary(self) -> dict[str, Any]:
        """Per stage: calls, median, p95 and total seconds."""
        return {
            stage: summary(values) | {"total_s": round(sum(values) / 1000, 1)}
            for stage, values in self.times.items()
        }


class _Reader:
    def __init__(self, reader: Any, read: Any) -> None:
        self.confidence_threshold = reader.confidence_threshold
        self.read = read


class Clickers:
    """The receiver on its serial port and the class's polls, one every period."""

    def __init__(self, service: GatewayService, port: str, period_s: float) -> None:
        bus = service.gateway.bus
        # The book is made after the receiver it controls: look it up late.
        self.receiver = SerialReceiver(
            ClickerConfig(port=port),
            on_batch=lambda events: self.book.handle_all(events),  # noqa: PLW0108
        )
        self.book = PollBook(
            service.store,
            self.receiver,
            clock=lambda: int(time.time() * 1000),
            on_change=lambda poll_id: self._changed(bus, poll_id),
        )
        service.services.polls = self.book
        self.period_s = period_s
        self.polls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="polls", daemon=True)

    def _changed(self, bus: Any, poll_id: str) -> None:
        view = self.book.snapshot(poll_id) if poll_id else None
        if view is not None:
            bus.publish("poll", {"poll": poll_id, "responses": view["responses"]})

    def start(self) -> None:
        self.receiver.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.receiver.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.polls += 1
            self.book.start(f"poll-{self.polls}", "single", 4)
            self._stop.wait(self.period_s)


def main() -> int:
    """Run the gateway until SIGTERM; print ready and final counters as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--clicker-port", required=True)
    parser.add_argument("--uplink", default="{}", help="[uplink] section as JSON")
    parser.add_argument("--idle-ms", type=int, default=2500)
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--poll-s", type=float, default=30.0)
    parser.add_argument("--model-dir", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("waitress").setLevel(logging.CRITICAL)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    service = start_service(
        args.folder,
        idle_ms=args.idle_ms,
        model_dir=args.model_dir,
        uplink=json.loads(args.uplink) or None,
    )
    students = enrol(service, args.students, ACTIVE)
    stages = StageTimes(service)
    pens = PenReader(service, [s.pen for s in students], args.folder / "pens.sock")
    clickers = Clickers(service, args.clicker_port, args.poll_s)
    pens.start()
    clickers.start()
    _say(
        {
            "url": service.web.url,
            "pid": _pid(),
            "socket": str(args.folder / "pens.sock"),
        }
    )

    stop.wait()
    pens.join(30)
    clickers.stop()
    uplink = service.uplink.stats() if service.uplink is not None else {}
    service.stop()
    stats = service.gateway.stats
    _say(
        {
            "pens": pens.counters(),
            "gateway": {
                "strokes": stats.strokes,
                "unknown_pen_strokes": stats.unknown_pen_strokes,
                "answers": stats.answers,
                "graded": stats.graded,
                "review": stats.review,
                "errors": stats.errors,
            },
            "clicker": clickers.receiver.stats() | {"polls": clickers.polls},
            "uplink": uplink,
            "stage_ms": stages.summary(),
        }
    )
    return 0


def _pid() -> int:
    import os

    return os.getpid()


def _say(body: dict[str, Any]) -> None:
    print(json.dumps(body, default=str), flush=True)


if __name__ == "__main__":
    sys.exit(main())

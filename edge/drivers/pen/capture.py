"""Capture files: recorded pen traffic as text, one notification per line.

Format, line by line (``edge.drivers.capture_text`` reads it)::

    # comment (anything after '#' is ignored)
    c06c0e0001...c1              a notification as hex
    1700000000123 c06c0e00...c1  the same, with the ms time it arrived
    c0 6c 0e 00 01 ... c1        hex spaced out in bytes, as other tools write it

The recorder writes what the host sent as comments (``# > <hex>``) so that a
capture reads as a whole conversation while the decoder sees only the pen's
side. A line that is not in the format is reported and skipped; the lines
after it are still read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

from edge.drivers.capture_text import parse_line

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CaptureLine:
    """One recorded notification: its bytes and, if known, when it arrived."""

    line: int
    t_ms: int | None
    data: bytes


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that is not in the capture format, and why."""

    line: int
    reason: str


def read_capture(
    lines: Iterable[str], name: str = "capture"
) -> Iterator[CaptureLine | BadLine]:
    """Notifications of a capture, with a :class:`BadLine` for each bad line."""
    for number, raw in enumerate(lines, start=1):
        parsed = parse_line(raw)
        if parsed is None:
            continue
        if isinstance(parsed, str):
            log.warning("%s:%d: %s", name, number, parsed)
            yield BadLine(number, parsed)
            continue
        yield CaptureLine(number, *parsed)


def format_line(data: bytes, t_ms: int | None = None) -> str:
    """One capture line (without newline) for a notification."""
    return data.hex() if t_ms is None else f"{t_ms} {data.hex()}"


class CaptureRecorder:
    """Appends a pen's traffic to a text stream in the capture format."""

    def __init__(
        self,
        stream: TextIO,
        clock: Callable[[], int],
        pen: str = "",
        *,
        owns_stream: bool = False,
    ) -> None:
        self._stream = stream
        self._clock = clock
        self._owns = owns_stream
        self._lock = threading.Lock()
        if pen:
            self._write(f"# pen {pen}")

    def close(self) -> None:
        """Flush, and close the file if the recorder opened it."""
        with self._lock:
            if self._stream.closed:
                return
            self._stream.flush()
            if self._owns:
                self._stream.close()

    def notification(self, data: bytes) -> None:
        """Record bytes the pen sent."""
        self._write(format_line(bytes(data), self._clock()))

    def host_write(self, data: bytes) -> None:
        """Record bytes the host sent, as a comment."""
        self._write(f"# > {self._clock()} {bytes(data).hex()}")

    def note(self, text: str) -> None:
        """Record a free-text comment, such as a connection event."""
        self._write(f"# {text}")

    def _write(self, line: str) -> None:
        with self._lock:
            if self._stream.closed:
                return
            self._stream.write(line + "\n")
            self._stream.flush()

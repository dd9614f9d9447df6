"""The receiver on a USB serial port, driven by pyserial in a thread of its own.

The thread finds the receiver, keeps the link alive, and reopens the port
when the receiver is unplugged or falls silent. Callers never wait for it:
question commands go through a queue, events come back through a callback
that runs on the thread. Votes are acknowledged only after the callback
returned, so a vote the gateway failed to store is sent again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import serial
from serial.tools import list_ports

from edge.drivers.clicker.capture import format_line
from edge.drivers.clicker.config import ClickerConfig
from edge.drivers.clicker.discovery import PortInfo, candidate_ports, reconnect_delay
from edge.drivers.clicker.errors import ClickerError
from edge.drivers.clicker.events import (
    ClickerEvent,
    ReceiverConnected,
    ReceiverDisconnected,
    clicker_address,
)
from edge.drivers.clicker.messages import (
    PROTOCOL_VERSION,
    Hello,
    QuestionKind,
    StartQuestion,
)
from edge.drivers.clicker.session import Delivery, HostSession, Timing

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.05  # how late a queued command can leave, at worst


class LinkLostError(ClickerError):
    """The receiver stopped answering on an open port."""


def system_ports() -> list[PortInfo]:
    """Serial ports the operating system knows, with their USB ids."""
    return [
        PortInfo(p.device, p.vid, p.pid, p.description or "")
        for p in list_ports.comports()
    ]


def wall_ms() -> int:
    """Wall-clock time in milliseconds, for dating votes."""
    return int(time.time() * 1000)


def monotonic_ms() -> int:
    """Monotonic time in milliseconds, for link timers."""
    return int(time.monotonic() * 1000)


class SerialReceiver:
    """The clicker receiver behind a serial port, supervised in a thread."""

    def __init__(
        self,
        config: ClickerConfig,
        on_event: Callable[[ClickerEvent], None] | None = None,
        *,
        on_batch: Callable[[list[ClickerEvent]], None] | None = None,
        ports: Callable[[], list[PortInfo]] = system_ports,
        wall_clock: Callable[[], int] = wall_ms,
        first_question: int | None = None,
    ) -> None:
        self.config = config
        timing = Timing(
            int(config.heartbeat_s * 1000),
            int(config.retry_s * 1000),
            silence_ms=int(config.silence_s * 1000),
        )
        self._session = HostSession(wall_clock, timing, "clicker", first_question)
        if (on_event is None) == (on_batch is None):
            raise ValueError("give exactly one of on_event and on_batch")
        self._on_event = on_event
        self._on_batch = on_batch
        self._ports = ports
        self._wall_clock = wall_clock
        self._commands: queue.SimpleQueue[Callable[[int], bytes]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._recorder: TextIO | None = None
        self._down_ms: int | None = None
        self.port: str | None = None
        self.connects = 0

    # -- the caller's side: never blocks ------------------------------------

    def start(self) -> None:
        """Start the receiver thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="clicker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread and close the port."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def start_question(self, poll_id: str, kind: str, options: int) -> None:
        """Open a question (kind: single, multiple, true_false or numeric)."""
        try:
            wire_kind = QuestionKind[kind.upper()]
        except KeyError:
            raise ClickerError(f"unknown question kind {kind!r}") from None
        StartQuestion.from_fields((1, wire_kind, options))  # FrameError if invalid
        self._commands.put(
            lambda now: self._session.start_question(poll_id, wire_kind, options, now)
        )

    def stop_question(self, poll_id: str) -> None:
        """Close the question of ``poll_id`` on the keypads."""
        self._commands.put(lambda now: self._session.stop_question(poll_id, now))

    @property
    def connected(self) -> bool:
        """Whether the receiver is on line now."""
        return self.port is not None

    def stats(self) -> dict[str, int]:
        """Counters for the health page: frames, drops by reason, connects."""
        decoder = self._session.decoder
        drops = dict(decoder.drops)  # one C-level copy: safe against the thread
        counts = {f"dropped_{r.value}": n for r, n in drops.items()}
        counts.update(
            frames=decoder.frames,
            dropped_bytes=decoder.dropped_bytes,
            connects=self.connects,
            unexpected=self._session.unexpected,
        )
        return counts

    # -- the thread -----------------------------------------------------------

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            self._apply_commands(None)
            link = self._find_receiver()
            if link is None:
                attempt += 1
                self._stop.wait(reconnect_delay(attempt, self.config.reconnect_max_s))
                continue
            attempt = 0
            try:
                self._serve(link)
            except (serial.SerialException, OSError, LinkLostError) as exc:
                self._link_down(link, str(exc))
            except Exception as exc:
                # A bug must not end the thread: log it, reopen, carry on.
                log.exception("clicker: link failed")
                self._link_down(link, f"internal error: {exc}")
            else:
                self._link_down(link, "stopped")

    def _find_receiver(self) -> serial.Serial | None:
        try:
            listed = self._ports()
        except OSError as exc:
            log.warning("clicker: cannot list serial ports: %s", exc)
            listed = []
        for path in candidate_ports(self.config, listed):
            link = self._try_port(path)
            if link is not None:
                return link
        return None

    def _try_port(self, path: str) -> serial.Serial | None:
        try:
            link = serial.Serial(
                path,
                self.config.baudrate,
                timeout=READ_TIMEOUT_S,
                write_timeout=1.0,
                exclusive=True,
            )
        except (serial.SerialException, OSError) as exc:
            log.debug("clicker: cannot open %s: %s", path, exc)
            return None
        try:
            if self._handshake(link, path):
                return link
        except (serial.SerialException, OSError) as exc:
            log.debug("clicker: %s failed during hello: %s", path, exc)
        link.close()
        return None

    def _handshake(self, link: serial.Serial, path: str) -> bool:
        link.write(self._session.connect(monotonic_ms()))
        deadline = monotonic_ms() + int(self.config.hello_timeout_s * 1000)
        held: list[Delivery] = []
        heard = bytearray()
        while monotonic_ms() < deadline and not self._stop.is_set():
            data = link.read(max(1, link.in_waiting))
            heard += data
            deliveries = self._session.receive(data, monotonic_ms())
            hello = next(
                (d.event for d in deliveries if isinstance(d.event, Hello)), None
            )
            held.extend(
                Delivery(None, d.reply) if isinstance(d.event, Hello) else d
                for d in deliveries
            )
            if isinstance(hello, Hello):
                if hello.protocol != PROTOCOL_VERSION:
                    log.error(
                        "clicker: receiver on %s speaks protocol %s, this gateway %s;"
                        " update the receiver firmware",
                        path,
                        hello.protocol,
                        PROTOCOL_VERSION,
                    )
                    return False
                self._link_up(link, path, hello)
                self._record(bytes(heard))
                self._deliver(link, held)
                return True
        return False

    def _serve(self, link: serial.Serial) -> None:
        while not self._stop.is_set():
            self._apply_commands(link)
            data = link.read(max(1, link.in_waiting))
            now = monotonic_ms()
            if data:
                self._record(data)
                self._deliver(link, self._session.receive(data, now))
            self._deliver(link, self._session.tick(now))
            if self._session.is_silent(now):
                raise LinkLostError(
                    f"receiver silent for over {self.config.silence_s} s"
                )
        self._apply_commands(link)  # a STOP given just before stop() still goes out

    def _apply_commands(self, link: serial.Serial | None) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                frame = command(monotonic_ms())
            except ClickerError:
                log.exception("clicker: command refused")
                continue
            if frame and link is not None:
                link.write(frame)

    def _deliver(self, link: serial.Serial, deliveries: list[Delivery]) -> None:
        events = [d.event for d in deliveries if d.event is not None]
        batch_ok = self._emit_batch(events) if self._on_batch is not None else True
        for delivery in deliveries:
            event = delivery.event
            if isinstance(event, Hello):
                log.info("clicker: receiver on %s said hello again", self.port)
            elif event is not None and self._on_batch is None:
                handled = self._emit(event)
            else:
                handled = batch_ok
            # An event that was not handled is not acknowledged: it comes again.
            if delivery.reply and (
                handled or event is None or isinstance(event, Hello)
            ):
                link.write(delivery.reply)

    def _emit(self, event: ClickerEvent) -> bool:
        if self._on_batch is not None:
            return self._emit_batch([event])
        try:
            self._on_event(event)  # type: ignore[misc]
        except Exception:
            log.exception("clicker: handling %r failed", event)
            return False
        return True

    def _emit_batch(self, events: list[ClickerEvent | Hello]) -> bool:
        batch = [e for e in events if not isinstance(e, Hello)]
        if not batch or self._on_batch is None:
            return True
        try:
            self._on_batch(batch)
        except Exception:
            log.exception("clicker: handling %s events failed", len(batch))
            return False
        return True

    # -- link up and down --------------------------------------------------------

    def _link_up(self, link: serial.Serial, path: str, hello: Hello) -> None:
        now = self._wall_clock()
        gap = None if self._down_ms is None else now - self._down_ms
        self.port = path
        self.connects += 1
        log.info(
            "clicker: receiver %s firmware %s channel %s on %s (gap %s ms)",
            clicker_address(hello.receiver_id),
            hello.firmware_text,
            hello.channel,
            path,
            gap,
        )
        self._open_recorder(path)
        self._emit(
            ReceiverConnected(
                path,
                hello.protocol,
                hello.firmware_text,
                hello.channel,
                clicker_address(hello.receiver_id),
                gap,
            )
        )

    def _link_down(self, link: serial.Serial, reason: str) -> None:
        port = self.port or str(link.port)
        try:
            link.close()
        except (serial.SerialException, OSError):
            log.debug("clicker: closing %s failed", port)
        self.port = None
        self._down_ms = self._wall_clock()
        self._close_recorder()
        level = logging.INFO if reason == "stopped" else logging.WARNING
        log.log(level, "clicker: receiver on %s lost: %s", port, reason)
        self._emit(ReceiverDisconnected(port, reason, self._down_ms))

    def _open_recorder(self, path: str) -> None:
        if not self.config.record:
            return
        target = Path(self.config.record)
        target.parent.mkdir(parents=True, exist_ok=True)
        self._recorder = target.open("a", encoding="ascii")
        self._recorder.write(f"# clicker receiver on {path}\n")

    def _record(self, data: bytes) -> None:
        if self._recorder is not None and data:
            self._recorder.write(format_line(data, self._wall_clock()))
            self._recorder.flush()

    def _close_recorder(self) -> None:
        if self._recorder is not None:
            self._recorder.close()
            self._recorder = None

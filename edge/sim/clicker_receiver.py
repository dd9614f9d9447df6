"""An emulated clicker receiver on the far end of a pseudo-terminal.

It follows ``firmware_protocols/clicker-receiver.md`` as receiver firmware
would: answers HELLO_REQUEST, opens and closes questions, forwards clicker
presses as VOTE frames and sends each again until the host acknowledges it.
The gateway opens it through a stable path (a symbolic link, as udev makes
under ``/dev/serial/by-id``) that is pointed at a new pseudo-terminal after
every replug. Faults can be injected: line noise, corrupted, split and
duplicated frames, lost host frames, stalls and unplugging.
"""

from __future__ import annotations

import logging
import os
import pty
import random
import select
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from edge.drivers.clicker.codec import Decoder, Frame, encode
from edge.drivers.clicker.errors import DropReason
from edge.drivers.clicker.framing import Drop
from edge.drivers.clicker.messages import (
    PROTOCOL_VERSION,
    Ack,
    BatteryReport,
    ErrorCode,
    ErrorReport,
    Heartbeat,
    Hello,
    HelloRequest,
    Message,
    QuestionKind,
    StartQuestion,
    StopQuestion,
    VoteAck,
    VoteReport,
)

log = logging.getLogger(__name__)

OUT_LIMIT = 64 * 1024  # bytes held for a host that does not read


@dataclass(frozen=True, slots=True)
class Faults:
    """Chances (0..1) of each fault, per frame sent or received."""

    noise: float = 0.0
    noise_max: int = 24
    corrupt: float = 0.0
    split: float = 0.0
    duplicate: float = 0.0
    lose_host: float = 0.0


@dataclass(slots=True)
class _Queued:
    report: VoteReport
    pressed: float
    link_seq: int | None = None
    last_sent: float = 0.0


@dataclass(slots=True)
class ReceiverStats:
    """What the emulator did, for tests to check against."""

    presses: int = 0
    vote_frames: int = 0
    retransmissions: int = 0
    duplicates: int = 0
    noise_bytes: int = 0
    corrupted: int = 0
    host_frames: int = 0
    host_lost: int = 0
    host_drops: int = 0
    acked: int = 0
    plugs: int = 0
    questions: list[int] = field(default_factory=list)


class EmulatedReceiver:
    """A receiver with its clickers, reachable by the gateway at ``link``."""

    def __init__(
        self,
        link: Path | str,
        *,
        faults: Faults | None = None,
        seed: int = 0,
        channel: int = 7,
        firmware: tuple[int, int, int] = (1, 0, 0),
        receiver_id: int = 0x00C0FFEE,
        protocol: int = PROTOCOL_VERSION,
        retransmit_s: float = 0.3,
        heartbeat_s: float = 0.5,
    ) -> None:
        self.link = Path(link)
        self.faults = faults or Faults()
        self.hello = Hello(protocol, firmware, channel, receiver_id, 250)
        self.retransmit_s = retransmit_s
        self.heartbeat_s = heartbeat_s
        self.stats = ReceiverStats()
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._queue: list[_Queued] = []
        self._clicker_seq: dict[int, int] = {}
        self._question = 0
        self._open: StartQuestion | None = None
        self._seq = 0
        self._started = time.monotonic()
        self._master: int | None = None
        self._slave: int | None = None
        self._decoder = Decoder("emulated receiver")
        self._out = bytearray()
        self._stalled_until = 0.0
        self._last_heartbeat = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="clicker-sim", daemon=True
        )

    # -- lifecycle -----------------------------------------------------------

    def __enter__(self) -> EmulatedReceiver:
        self.plug()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def plug(self) -> None:
        """Attach to a new pseudo-terminal and point the link at it."""
        master, slave = pty.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        tmp = self.link.with_name(self.link.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(slave))
        os.replace(tmp, self.link)
        with self._lock:
            self._master, self._slave = master, slave
            self._decoder.reset()
            self._out.clear()
            self.stats.plugs += 1
        if not self._thread.is_alive():
            self._thread.start()

    def unplug(self) -> None:
        """Vanish like a receiver pulled out of the USB port; votes stay queued."""
        with self._lock:
            for fd in (self._master, self._slave):
                if fd is not None:
                    os.close(fd)
            self._master = self._slave = None
        self.link.unlink(missing_ok=True)

    def stall(self, seconds: float) -> None:
        """Say nothing and read nothing for a while, like hung firmware."""
        self._stalled_until = time.monotonic() + seconds

    def close(self) -> None:
        """Stop the emulator and remove its port."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2.0)
        self.unplug()

    # -- clickers --------------------------------------------------------------

    @property
    def question(self) -> int:
        """The open question number, 0 when none is open."""
        return self._question

    def sample_answer(self, rng: random.Random) -> str | None:
        """A plausible keypad entry for the open question, None if none is open."""
        question = self._open
        if question is None:
            return None
        letters = "ABCDEFGHIJ"[: question.options]
        if question.kind is QuestionKind.SINGLE:
            return rng.choice(letters)
        if question.kind is QuestionKind.MULTIPLE:
            return "".join(sorted(rng.sample(letters, rng.randint(1, len(letters)))))
        if question.kind is QuestionKind.TRUE_FALSE:
            return rng.choice("TF")
        return rng.choice(["12", "-3.5", "2/3", "0.25", "7"])

    def press(self, clicker: int, answer: str, rssi: int | None = None) -> int:
        """A student presses ``answer`` on clicker ``clicker``; returns its sequence."""
        with self._lock:
            seq = self._next_clicker_seq(clicker)
            level = rssi if rssi is not None else self._rng.randint(-85, -40)
            report = VoteReport(self._question, clicker, seq, level, 0, answer)
            now = time.monotonic()
            self._queue.append(_Queued(report, now))
            self.stats.presses += 1
            if self._rng.random() < self.faults.duplicate:
                # The clicker missed the radio acknowledgement and sent again.
                self._queue.append(_Queued(report, now))
                self.stats.duplicates += 1
        return seq

    def battery(self, clicker: int, percent: int, millivolts: int) -> None:
        """Report a clicker's battery to the host (not acknowledged, as specified)."""
        self._send(BatteryReport(clicker, percent, millivolts, -60))

    def pending(self) -> int:
        """Votes the host has not acknowledged yet."""
        with self._lock:
            return len(self._queue)

    def wait_acknowledged(self, timeout: float) -> bool:
        """Wait until the host has acknowledged every vote."""
        deadline = time.monotonic() + timeout
        while self.pending() and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self.pending()

    def _next_clicker_seq(self, clicker: int) -> int:
        # Clickers start anywhere in the sequence space, so wrapping is tested.
        previous = self._clicker_seq.get(clicker, self._rng.randrange(256))
        self._clicker_seq[clicker] = (previous + 1) & 0xFF
        return self._clicker_seq[clicker]

    # -- the thread --------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._step()
            except OSError as exc:
                log.debug("emulated receiver: port error %s", exc)
                time.sleep(0.01)

    def _step(self) -> None:
        master = self._master
        if master is None or time.monotonic() < self._stalled_until:
            time.sleep(0.01)
            return
        ready, _, _ = select.select([master], [], [], 0.01)
        with self._lock:
            if self._master != master:
                return  # unplugged while waiting
            if ready:
                self._receive(os.read(master, 4096))
            self._send_votes()
            self._send_heartbeat()
            self._flush()

    def _receive(self, data: bytes) -> None:
        for item in self._decoder.feed(data):
            if isinstance(item, Drop):
                self.stats.host_drops += 1
                self._refuse(item)
            elif self._rng.random() < self.faults.lose_host:
                self.stats.host_lost += 1
            else:
                self.stats.host_frames += 1
                self._handle(item)

    def _handle(self, frame: Frame) -> None:
        message = frame.message
        if isinstance(message, HelloRequest):
            self._send(self.hello)
            if message.protocol != self.hello.protocol:
                self._send(ErrorReport(ErrorCode.VERSION, frame.seq, message.TYPE))
        elif isinstance(message, StartQuestion):
            self._question = message.question
            self._open = message
            self.stats.questions.append(message.question)
            self._send(Ack(frame.seq, message.TYPE))
        elif isinstance(message, StopQuestion):
            # Idempotent: a retransmitted STOP finds the question closed already.
            if self._question == message.question:
                self._question = 0
                self._open = None
            self._send(Ack(frame.seq, message.TYPE))
        elif isinstance(message, VoteAck):
            self._acknowledge(message.clicker, message.clicker_seq)

    def _refuse(self, drop: Drop) -> None:
        codes = {
            DropReason.UNKNOWN_TYPE: ErrorCode.UNKNOWN_TYPE,
            DropReason.BAD_LENGTH: ErrorCode.BAD_LENGTH,
            DropReason.BAD_VALUE: ErrorCode.BAD_ARGUMENT,
        }
        code = codes.get(drop.reason)
        if code is not None and len(drop.data) >= 2:
            self._send(ErrorReport(code, drop.data[1], drop.data[0], str(drop.reason)))

    def _acknowledge(self, clicker: int, clicker_seq: int) -> None:
        # Removes radio duplicates of the same press as well.
        with self._lock:
            before = len(self._queue)
            self._queue = [
                q
                for q in self._queue
                if (q.report.clicker, q.report.clicker_seq) != (clicker, clicker_seq)
            ]
            self.stats.acked += before - len(self._queue)

    def _send_votes(self) -> None:
        now = time.monotonic()
        for queued in self._queue:
            if queued.link_seq is None:
                queued.link_seq = self._take_seq()
            elif now - queued.last_sent < self.retransmit_s:
                continue
            else:
                self.stats.retransmissions += 1
            queued.last_sent = now
            age = min(0xFFFF, int((now - queued.pressed) * 1000))
            report = queued.report
            vote = VoteReport(
                report.question,
                report.clicker,
                report.clicker_seq,
                report.rssi,
                age,
                report.answer,
            )
            frame = encode(vote, queued.link_seq)
            self.stats.vote_frames += 1
            self._write(frame)
            if self._rng.random() < self.faults.duplicate:
                self.stats.duplicates += 1
                self._write(frame)  # the same frame twice, as a flaky UART bridge does

    def _send_heartbeat(self) -> None:
        now = time.monotonic()
        if now - self._last_heartbeat < self.heartbeat_s:
            return
        self._last_heartbeat = now
        uptime = int(now - self._started)
        self._send(Heartbeat(uptime, self._question, min(len(self._queue), 0xFFFF)))

    def _send(self, message: Message) -> None:
        with self._lock:
            self._write(encode(message, self._take_seq()))

    def _take_seq(self) -> int:
        seq = self._seq
        self._seq = (self._seq + 1) & 0xFF
        return seq

    # -- the wire, with faults ------------------------------------------------

    def _write(self, frame: bytes) -> None:
        faults, rng = self.faults, self._rng
        if rng.random() < faults.noise:
            burst = rng.randbytes(rng.randint(1, faults.noise_max))
            self.stats.noise_bytes += len(burst)
            self._out += burst
        if rng.random() < faults.corrupt:
            self.stats.corrupted += 1
            damaged = bytearray(frame)
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
            frame = bytes(damaged)
        if rng.random() < faults.split:
            cut = rng.randrange(1, len(frame))
            self._out += frame[:cut]
            self._flush()
            time.sleep(rng.random() * 0.002)
            frame = frame[cut:]
        self._out += frame

    def _flush(self) -> None:
        master = self._master
        if master is None:
            self._out.clear()
            return
        try:
            written = os.write(master, self._out)
        except BlockingIOError:
            written = 0
        del self._out[:written]
        if len(self._out) > OUT_LIMIT:
            # Nobody reads the port: what is lost here is sent again later.
            self._out.clear()

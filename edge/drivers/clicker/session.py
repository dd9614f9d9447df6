"""The host side of the receiver protocol as a state machine without I/O.

A transport feeds it the bytes it read and the time, writes the bytes it
returns, and hands its events to the gateway. Acknowledgements of votes come
back attached to the vote (:class:`Delivery`), so the transport can send
them only after the gateway has committed the vote: a vote the gateway never
stored is never acknowledged, and the receiver sends it again.
"""

from __future__ import annotations

import logging
import random
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from edge.drivers.clicker.codec import Decoder, Frame, encode
from edge.drivers.clicker.events import (
    ClickerBattery,
    ClickerEvent,
    ReceiverFault,
    clicker_address,
)
from edge.drivers.clicker.framing import Drop
from edge.drivers.clicker.messages import (
    Ack,
    BatteryReport,
    ErrorReport,
    Heartbeat,
    Hello,
    HelloRequest,
    HostHeartbeat,
    Message,
    QuestionKind,
    StartQuestion,
    StopQuestion,
    VoteAck,
    VoteReport,
)
from edge.models import Vote

log = logging.getLogger(__name__)

# Question numbers of past polls are remembered so late votes still find their
# poll; a school day has far fewer polls than this.
QUESTION_MEMORY = 4096
NOISE_REPORT_MS = 10_000


@dataclass(frozen=True, slots=True)
class Delivery:
    """An event for the gateway and the bytes to write once it is handled."""

    event: ClickerEvent | Hello | None
    reply: bytes = b""


@dataclass(slots=True)
class _Pending:
    message: Message
    frame: bytes
    sent_ms: int
    tries: int = 1


@dataclass(frozen=True, slots=True)
class Timing:
    """Link supervision times in milliseconds."""

    heartbeat_ms: int = 1000
    retry_ms: int = 500
    max_tries: int = 5
    silence_ms: int = 3000


class HostSession:
    """Host state of one receiver link: questions, pending commands, liveness."""

    def __init__(
        self,
        wall_clock: Callable[[], int],
        timing: Timing | None = None,
        name: str = "clicker",
        first_question: int | None = None,
    ) -> None:
        self.name = name
        self.timing = timing or Timing()
        self.decoder = Decoder(name)
        self.hello: Hello | None = None
        self.heartbeat: Heartbeat | None = None
        self._wall_clock = wall_clock
        self._seq = 0
        self._pending: dict[int, _Pending] = {}
        self._questions: OrderedDict[int, str] = OrderedDict()
        self._open: StartQuestion | None = None
        # A random first number keeps votes queued in the receiver from an
        # earlier run of the gateway from landing in a new poll.
        self._next_question = first_question or random.randrange(1, 0x10000)
        self._last_heard = 0
        self._last_sent = 0
        self._warned_ms = -NOISE_REPORT_MS
        self._unreported = 0
        self.unexpected = 0

    # -- commands from the gateway ---------------------------------------

    def connect(self, now_ms: int) -> bytes:
        """Begin a new link; returns the bytes that ask the receiver for HELLO."""
        self.decoder.reset()
        self.hello = None
        self._pending.clear()
        self._last_heard = now_ms
        return b"\x00" + self._send(HelloRequest(), now_ms)

    def start_question(
        self, poll_id: str, kind: QuestionKind, options: int, now_ms: int
    ) -> bytes:
        """Open a question for ``poll_id``; returns bytes to write (maybe none)."""
        number = self._number(poll_id)
        self._open = StartQuestion(number, kind, options)
        return self._command(self._open, now_ms) if self.hello else b""

    def stop_question(self, poll_id: str, now_ms: int) -> bytes:
        """Close the question of ``poll_id``; returns bytes to write (maybe none)."""
        if self._open is None or self._questions.get(self._open.question) != poll_id:
            return b""
        stop = StopQuestion(self._open.question)
        self._open = None
        return self._command(stop, now_ms) if self.hello else b""

    def poll_of(self, question: int) -> str | None:
        """The poll a question number was issued for, if any."""
        return self._questions.get(question)

    # -- time --------------------------------------------------------------

    def tick(self, now_ms: int) -> list[Delivery]:
        """Heartbeats, command retransmissions and give-ups that are due."""
        out: list[Delivery] = []
        for seq, pending in list(self._pending.items()):
            if now_ms - pending.sent_ms < self.timing.retry_ms:
                continue
            if pending.tries >= self.timing.max_tries:
                del self._pending[seq]
                name = pending.message.TYPE.name.lower()
                out.append(Delivery(ReceiverFault("no_ack", name, "no answer")))
                continue
            pending.tries += 1
            pending.sent_ms = now_ms
            out.append(Delivery(None, pending.frame))
        if self.hello and now_ms - self._last_sent >= self.timing.heartbeat_ms:
            out.append(
                Delivery(None, self._send(HostHeartbeat(now_ms // 1000), now_ms))
            )
        return out

    def is_silent(self, now_ms: int) -> bool:
        """Whether the receiver has said nothing for longer than allowed."""
        return now_ms - self._last_heard > self.timing.silence_ms

    # -- bytes from the receiver -----------------------------------------

    def receive(self, data: bytes, now_ms: int) -> list[Delivery]:
        """Events (each with its reply) decoded from ``data``."""
        out: list[Delivery] = []
        for item in self.decoder.feed(data):
            if isinstance(item, Drop):
                self._note_drop(item, now_ms)
                continue
            self._last_heard = now_ms
            out.extend(self._handle(item, now_ms))
        return out

    def _handle(self, frame: Frame, now_ms: int) -> list[Delivery]:
        message = frame.message
        if isinstance(message, VoteReport):
            return [self._vote(message, now_ms)]
        if isinstance(message, BatteryReport):
            return [Delivery(self._battery(message))]
        if isinstance(message, Hello):
            return self._on_hello(message, now_ms)
        if isinstance(message, Heartbeat):
            return self._on_heartbeat(message, now_ms)
        if isinstance(message, ErrorReport):
            return [self._on_error(message)]
        if isinstance(message, Ack):
            self._on_ack(message)
            return []
        self.unexpected += 1
        log.warning("%s: unexpected %s from the receiver", self.name, message.TYPE.name)
        return []

    def _vote(self, report: VoteReport, now_ms: int) -> Delivery:
        vote = Vote(
            clicker=clicker_address(report.clicker),
            answer=report.answer,
            seq=report.clicker_seq,
            rssi=report.rssi,
            received_ms=self._wall_clock() - report.age_ms,
            poll_id=self._questions.get(report.question),
        )
        ack = VoteAck(report.clicker, report.clicker_seq)
        return Delivery(vote, self._send(ack, now_ms))

    def _battery(self, report: BatteryReport) -> ClickerBattery:
        percent = None if report.percent == 255 else report.percent
        return ClickerBattery(
            clicker_address(report.clicker),
            percent,
            report.millivolts,
            report.rssi,
            self._wall_clock(),
        )

    def _on_hello(self, hello: Hello, now_ms: int) -> list[Delivery]:
        self.hello = hello
        reply = self._command(self._open, now_ms) if self._open else b""
        return [Delivery(hello, reply)]

    def _on_heartbeat(self, heartbeat: Heartbeat, now_ms: int) -> list[Delivery]:
        self.heartbeat = heartbeat
        want = self._open.question if self._open else 0
        if heartbeat.question == want or self._pending or not self.hello:
            return []
        # The receiver disagrees about the open question, for example after it
        # lost power or missed a command while unplugged: put it right.
        fix = self._open or StopQuestion(heartbeat.question)
        return [Delivery(None, self._command(fix, now_ms))]

    def _on_ack(self, ack: Ack) -> None:
        pending = self._pending.get(ack.ref_seq)
        if pending is not None and ack.ref_type == pending.message.TYPE:
            del self._pending[ack.ref_seq]

    def _on_error(self, error: ErrorReport) -> Delivery:
        pending = self._pending.pop(error.ref_seq, None)
        command = (
            pending.message.TYPE.name.lower() if pending else f"0x{error.ref_type:02x}"
        )
        log.warning(
            "%s: receiver refused %s: %s %s",
            self.name,
            command,
            error.code_name,
            error.detail,
        )
        return Delivery(ReceiverFault(error.code_name, command, error.detail))

    # -- helpers -------------------------------------------------------------

    def _note_drop(self, drop: Drop, now_ms: int) -> None:
        self._unreported += drop.size
        if now_ms - self._warned_ms < NOISE_REPORT_MS:
            return
        # One line per interval: a noisy cable must not flood the journal.
        log.warning(
            "%s: line noise, dropped %s bytes (last: %s); totals %s",
            self.name,
            self._unreported,
            drop.reason,
            dict(self.decoder.drops),
        )
        self._warned_ms = now_ms
        self._unreported = 0

    def _number(self, poll_id: str) -> int:
        for number, known in self._questions.items():
            if known == poll_id:
                return number
        number = self._next_question
        self._next_question = number % 0xFFFF + 1
        self._questions[number] = poll_id
        while len(self._questions) > QUESTION_MEMORY:
            self._questions.popitem(last=False)
        return number

    def _command(self, message: Message, now_ms: int) -> bytes:
        frame = self._send(message, now_ms)
        self._pending[(self._seq - 1) & 0xFF] = _Pending(message, frame, now_ms)
        return frame

    def _send(self, message: Message, now_ms: int) -> bytes:
        frame = encode(message, self._seq)
        self._seq = (self._seq + 1) & 0xFF
        self._last_sent = now_ms
        return frame

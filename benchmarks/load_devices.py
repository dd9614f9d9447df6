"""The devices of the classroom load test: pens writing in real time, clickers.

Every pen works through the homework library's answer regions, writing each
answer at its full dot rate with the synthetic handwriting; its traffic is
the notification values a real pen sends (``LivePen``), each sent at the
moment its dot is sampled. The clickers press on the emulated receiver,
behind a real pseudo-terminal, whenever a question is open.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from benchmarks.bench_grading import written_answer
from benchmarks.classroom import write
from edge.drivers.pen.codec import encode_message
from edge.drivers.pen.emulate import LivePen
from edge.drivers.pen.frames import split_notifications
from edge.homework.library import load_library
from edge.models import Question, Stroke
from edge.sim.classroom import SimStudent
from edge.sim.clicker_receiver import EmulatedReceiver
from edge.sim.handwriting import write_answer

MTU = 23
SEND_TICK_S = 0.005
# Between two answers a student moves on at once (0.2-0.6 s, the region
# change closes the answer), or, one time in seven, pauses past the idle wait.
PAUSE_S = (0.2, 0.6)
IDLE_PAUSE_SHARE = 0.15


@dataclass(slots=True)
class Written:
    """One answer a pen wrote, and when its pen-ups left the pen."""

    pen: int
    student: str
    assignment: str
    question: str
    text: str
    strokes: int
    dots: int
    first_up: float = 0.0
    last_up: float = 0.0
    next_first_up: float | None = None


def regions() -> list[tuple[str, Question]]:
    """Every answer region of the library whose key the handwriting can write."""
    out = []
    rng = random.Random(0)
    for assignment in load_library().values():
        for q in assignment.questions:
            if q.region is not None and _writable(q, rng):
                out.append((assignment.id, q))
    return out


def _writable(question: Question, rng: random.Random) -> bool:
    assert question.region is not None
    try:
        return bool(write_answer(question.answer, question.region.rect, rng))
    except (KeyError, ValueError):
        return False


@dataclass(slots=True)
class _Item:
    due: float
    record: bytes
    first_up: Written | None = None
    last_up: Written | None = None


@dataclass
class PenWriter:
    """One student's pen: a queue of timed notification records."""

    index: int
    sim: SimStudent
    plan: list[tuple[str, Question]]
    rng: random.Random
    dot_rate: float
    idle_ms: int
    pen: LivePen = field(default_factory=lambda: LivePen(mtu=MTU))
    items: list[_Item] = field(default_factory=list)
    at: int = 0
    ready_at: float = 0.0
    previous: Written | None = None
    done: bool = False

    def next_answer(self, now: float, answers: list[Written]) -> bool:
        """Lay out the next answer's traffic after a pause; False if none is left."""
        while self.plan:
            assignment, question = self.plan.pop(0)
            text = written_answer(question, self.rng)
            pause = self.rng.uniform(*PAUSE_S)
            if self.rng.random() < IDLE_PAUSE_SHARE:
                pause = self.idle_ms / 1000 + self.rng.uniform(0.3, 1.0)
            start_ms = int((max(now, self.ready_at) + pause) * 1000)
            ink = write(self.sim, question, text, start_ms, self.rng, self.dot_rate)
            if not ink.strokes:
                continue  # a mistake the handwriting model cannot draw
            written = Written(
                self.index, self.sim.student.id, assignment, question.id, text,
                len(ink.strokes), ink.dots,
            )  # fmt: skip
            answers.append(written)
            self.items = self._items(ink.strokes, written)
            self.at = 0
            self.ready_at = ink.strokes[-1].end_ms / 1000
            return True
        return False

    def _items(self, strokes: tuple[Stroke, ...], written: Written) -> list[_Item]:
        items = []
        for n, stroke in enumerate(strokes):
            events = self.pen.events([stroke])
            times = [stroke.start_ms, stroke.start_ms]
            times += [d.t_ms for d in stroke.dots] + [stroke.end_ms]
            for event, t_ms in zip(events, times, strict=True):
                for piece in split_notifications(encode_message(event), MTU):
                    items.append(_Item(t_ms / 1000, bytes([self.index, len(piece)])
                                       + piece))  # fmt: skip
            items[-1].first_up = written if n == 0 else None
            items[-1].last_up = written if n == len(strokes) - 1 else None
        return items

    def due(self, now: float) -> list[_Item]:
        """The items whose time has come."""
        start = self.at
        while self.at < len(self.items) and self.items[self.at].due <= now:
            self.at += 1
        return self.items[start : self.at]

    @property
    def busy(self) -> bool:
        return self.at < len(self.items)


class PenClass:
    """Every pen of the class, sent over one socket on one thread."""

    def __init__(
        self,
        students: list[SimStudent],
        sock: socket.socket,
        dot_rate: float,
        idle_ms: int,
    ) -> None:
        plan = regions()
        self.regions = len(plan)
        self.writers = [
            PenWriter(
                i, sim, plan[i * 7 % len(plan) :] + plan[: i * 7 % len(plan)],
                random.Random(1000 + i), dot_rate, idle_ms,
            )
            for i, sim in enumerate(students)
        ]  # fmt: skip
        self.sock = sock
        self.answers: list[Written] = []
        self.notifications = 0
        self.late_s: list[float] = []
        self.ran_out = 0

    def run(self, until: float) -> None:
        """Write until ``until`` (wall clock), then finish the answers under way."""
        for w in self.writers:
            w.ready_at = time.time() + w.rng.uniform(0.0, 3.0)
        while True:
            now = time.time()
            self._refill(now, writing=now < until)
            if not any(w.busy for w in self.writers):
                return
            self._send(now)
            time.sleep(SEND_TICK_S)

    def _refill(self, now: float, writing: bool) -> None:
        for w in self.writers:
            if w.busy or not writing or w.done:
                continue
            if not w.next_answer(now, self.answers):
                w.done = True
                self.ran_out += 1

    def _send(self, now: float) -> None:
        due = [item for w in self.writers for item in w.due(now)]
        if not due:
            return
        self.sock.sendall(b"".join(item.record for item in due))
        sent = time.time()
        self.notifications += len(due)
        self.late_s.append(sent - min(item.due for item in due))
        for item in due:
            if item.first_up is not None:
                item.first_up.first_up = sent
                self._mark_next(item.first_up, sent)
            if item.last_up is not None:
                item.last_up.last_up = sent

    def _mark_next(self, written: Written, sent: float) -> None:
        writer = self.writers[written.pen]
        if writer.previous is not None:
            writer.previous.next_first_up = sent
        writer.previous = written

    def totals(self) -> dict[str, Any]:
        """What the pens sent."""
        return {
            "pens": len(self.writers),
            "answer_regions": self.regions,
            "answers_written": len(self.answers),
            "strokes_sent": sum(a.strokes for a in self.answers),
            "dots_sent": sum(a.dots for a in self.answers),
            "notifications_sent": self.notifications,
            "pens_out_of_regions": self.ran_out,
        }


class ClickerClass:
    """Fifty clickers: each presses once per open question, some change their mind."""

    def __init__(self, receiver: EmulatedReceiver, clickers: list[int]) -> None:
        self.receiver = receiver
        self.clickers = clickers
        self.rng = random.Random(77)
        self.presses: list[tuple[int, int, float]] = []  # question, clicker, time
        self.questions: list[int] = []
        self._plan: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="clickers", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            question = self.receiver.question
            if question and (not self.questions or self.questions[-1] != question):
                self.questions.append(question)
                self._schedule(time.time())
            self._press_due(question)

    def _schedule(self, now: float) -> None:
        self._plan = []
        for clicker in self.clickers:
            self._plan.append((now + self.rng.uniform(0.5, 10.0), clicker))
            if self.rng.random() < 0.1:  # a change of mind a little later
                self._plan.append((now + self.rng.uniform(10.0, 15.0), clicker))
        self._plan.sort()

    def _press_due(self, question: int) -> None:
        now = time.time()
        while self._plan and self._plan[0][0] <= now and question:
            _, clicker = self._plan.pop(0)
            self.receiver.press(clicker, self.rng.choice("ABCD"))
            self.presses.append((question, clicker, time.time()))

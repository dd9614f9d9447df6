"""The gateway's core loop: strokes in, graded answers out.

Drivers hand strokes to ``submit``; one worker thread commits them in
batches, assembles answers, reads and grades each finished answer, and
stores the result together with its outbox message. Listeners (the teacher
page, mastery tracking) hear of every stored answer.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

from edge.assembly import AnswerAssembler, CompletedAnswer, RegionIndex
from edge.events import EventBus
from edge.models import Answer, Assignment, Question, Reading, Rect, Stroke, Verdict
from edge.results import result_payload
from edge.store import Store

log = logging.getLogger(__name__)

# Strokes are committed in batches of at most this many, or whatever has
# arrived within one tick: one fsync per batch instead of one per stroke.
MAX_BATCH = 500
TICK_S = 0.05


class InkReader(Protocol):
    """What the gateway needs from a recognizer."""

    @property
    def confidence_threshold(self) -> float: ...

    def read(
        self,
        strokes: Sequence[Stroke],
        box: Rect | None = None,
        kind_hint: str | None = None,
    ) -> Reading: ...


Grader = Callable[[Question, str], Verdict]
AnswerListener = Callable[[Answer, Question], None]


@dataclass
class GatewayStats:
    """Counters the summary API and the health check report."""

    strokes: int = 0
    unknown_pen_strokes: int = 0
    answers: int = 0
    graded: int = 0
    review: int = 0
    errors: int = 0
    unknown_pens: set[str] = field(default_factory=set)


class Gateway:
    """Owns the ingest worker and the path from stroke to stored answer."""

    def __init__(
        self,
        store: Store,
        assignments: Sequence[Assignment],
        reader: InkReader,
        grader: Grader,
        idle_ms: int = 2500,
        review_threshold: float | None = None,
        bus: EventBus | None = None,
    ) -> None:
        self.store = store
        self.reader = reader
        self.grader = grader
        self.bus = bus or EventBus()
        self.stats = GatewayStats()
        self.review_threshold = (
            reader.confidence_threshold
            if review_threshold is None
            else review_threshold
        )
        self.listeners: list[AnswerListener] = []
        self._assembler = AnswerAssembler(RegionIndex(assignments), idle_ms)
        self._pens = store.device_bindings("pen")
        self._pseudonyms = {s.id: s.pseudonym for s in store.students()}
        self._inbox: queue.Queue[tuple[list[Stroke], Future[None]]] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listening: threading.Thread | None = None
        self._heard: queue.Queue[tuple[Answer, Question] | None] = queue.Queue()
        self.last_tick = time.monotonic()

    # -- input from drivers -----------------------------------------------

    def submit(self, strokes: Sequence[Stroke]) -> Future[None]:
        """Queue strokes; the future completes once they are committed."""
        done: Future[None] = Future()
        self._inbox.put((list(strokes), done))
        return done

    async def commit(self, strokes: Sequence[Stroke]) -> None:
        """Stroke sink for pen drivers: returns once the strokes are committed."""
        await asyncio.wrap_future(self.submit(strokes))

    def set_assignments(self, assignments: Iterable[Assignment]) -> None:
        """Place strokes on a new set of assignments from now on."""
        # Swapping the whole index is atomic for the worker thread.
        self._assembler.index = RegionIndex(assignments)

    def apply_settings(
        self, idle_ms: int | None = None, review_threshold: float | None = None
    ) -> None:
        """Change the end-of-answer wait or the review threshold while running."""
        if idle_ms is not None:
            self._assembler.idle_ms = idle_ms
        if review_threshold is not None:
            self.review_threshold = review_threshold

    def reload_bindings(self) -> None:
        """Pick up new pen bindings and roster changes from the store."""
        self._pens = self.store.device_bindings("pen")
        self._pseudonyms = {s.id: s.pseudonym for s in self.store.students()}

    # -- worker -----------------------------------------------------------

    def start(self) -> None:
        """Start the ingest worker thread."""
        self._stop.clear()
        self._listening = threading.Thread(
            target=self._listen, name="answer-listeners", daemon=True
        )
        self._listening.start()
        self._thread = threading.Thread(target=self._run, name="ingest", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Commit what is queued, finish open answers and stop the worker."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._listening is not None:
            self._heard.put(None)
            self._listening.join(timeout)
            self._listening = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self._safe_step()
        self._safe_step()
        self._finish(self._assembler.flush())

    def _safe_step(self) -> None:
        try:
            self.step()
        except Exception:
            # The worker must outlive any one bad batch; the watchdog sees it
            # only if ticks stop altogether.
            self.stats.errors += 1
            log.exception("ingest step failed")
            time.sleep(TICK_S)

    def alive(self, stall_s: float = 30.0) -> bool:
        """True while the worker runs and has ticked within ``stall_s``."""
        thread = self._thread
        return (
            thread is not None
            and thread.is_alive()
            and time.monotonic() - self.last_tick < stall_s
        )

    def step(self, now_ms: int | None = None) -> None:
        """One worker tick: commit what arrived, grade what is finished.

        ``now_ms`` defaults to the store's clock read after the wait for ink,
        so an answer that fell due during the wait is closed in this tick.
        """
        self.last_tick = time.monotonic()
        batch = self._take_batch(self._wait_s())
        if now_ms is None:
            now_ms = self.store.clock()
        if batch:
            self._ingest(batch, now_ms)
        # While ink is still queued the next stroke of an open answer may be
        # in it: close idle answers only once the worker has caught up.
        if self._inbox.empty():
            self._finish(self._assembler.due(now_ms))

    def _wait_s(self) -> float:
        """How long to wait for ink: a tick, less if an answer falls idle sooner."""
        due = self._assembler.next_due_ms()
        if due is None:
            return TICK_S
        return min(TICK_S, max(0.0, (due - self.store.clock()) / 1000))

    def _take_batch(self, wait_s: float) -> list[tuple[list[Stroke], Future[None]]]:
        batch: list[tuple[list[Stroke], Future[None]]] = []
        try:
            batch.append(self._inbox.get(timeout=wait_s))
            while sum(len(s) for s, _ in batch) < MAX_BATCH:
                batch.append(self._inbox.get_nowait())
        except queue.Empty:
            pass
        return batch

    def _ingest(
        self, batch: list[tuple[list[Stroke], Future[None]]], now_ms: int
    ) -> None:
        rows: list[tuple[Stroke, str | None, str | None, str | None]] = []
        completed: list[CompletedAnswer] = []
        for strokes, _ in batch:
            for stroke in strokes:
                student = self._student_of(stroke.pen)
                if student is None:
                    rows.append((stroke, None, None, None))
                    continue
                placement, done = self._assembler.add(stroke, student, now_ms)
                completed.extend(done)
                rows.append(
                    (stroke, student, placement.assignment_id, placement.question_id)
                )
        try:
            self.store.add_strokes(rows)
        except Exception as exc:
            log.exception("could not commit %s strokes", len(rows))
            for _, future in batch:
                _settle(future, exc)
            return
        self.stats.strokes += len(rows)
        for _, future in batch:
            _settle(future, None)
        self._finish(completed)
        if rows:
            self.bus.publish("ink", {"strokes": len(rows)})

    def _student_of(self, pen: str) -> str | None:
        student = self._pens.get(pen.upper())
        if student is None:
            self.stats.unknown_pen_strokes += 1
            if pen not in self.stats.unknown_pens:
                self.stats.unknown_pens.add(pen)
                log.warning(
                    "%s: pen is not bound to a seat; its ink is kept unassigned", pen
                )
        return student

    # -- reading and grading ----------------------------------------------------

    def _finish(self, completed: list[CompletedAnswer]) -> None:
        graded: list[tuple[Answer, Question, dict[str, Any]]] = []
        for item in completed:
            try:
                graded.append(self._grade(item))
            except Exception:
                # One bad answer must not stop the class: count it and go on.
                self.stats.errors += 1
                log.exception(
                    "could not grade %s/%s for %s",
                    item.assignment_id,
                    item.question.id,
                    item.student_id,
                )
        if not graded:
            return
        # One commit (one fsync) for every answer finished in this tick.
        self.store.save_answers([(answer, payload) for answer, _, payload in graded])
        for answer, question, _ in graded:
            self._announce(answer, question)

    def _grade(self, item: CompletedAnswer) -> tuple[Answer, Question, dict[str, Any]]:
        question = item.question
        strokes = self.store.answer_strokes(
            item.assignment_id, item.student_id, question.id
        )
        box = question.region.rect if question.region else None
        reading = self.reader.read(strokes, box=box, kind_hint=question.type.value)
        confident = reading.confidence >= self.review_threshold and bool(reading.text)
        verdict = self.grader(question, reading.text) if confident else None

        answer = Answer(
            assignment_id=item.assignment_id,
            question_id=question.id,
            student_id=item.student_id,
            strokes=tuple(strokes),
            reading=reading,
            verdict=verdict,
            needs_review=not confident,
            started_ms=min(s.start_ms for s in strokes),
            finished_ms=max(s.end_ms for s in strokes),
        )
        pseudonym = self._pseudonyms.get(item.student_id, item.student_id)
        return answer, question, result_payload(answer, question, pseudonym)

    def _announce(self, answer: Answer, question: Question) -> None:
        self.stats.answers += 1
        if answer.verdict is None:
            self.stats.review += 1
        else:
            self.stats.graded += 1
        if self._listening is not None and self._listening.is_alive():
            self._heard.put((answer, question))
        else:
            self._tell_listeners(answer, question)
        self.bus.publish(
            "answer",
            {
                "assignment": answer.assignment_id,
                "question": answer.question_id,
                "student": answer.student_id,
                "reading": answer.reading.text,
                "correct": None if answer.verdict is None else answer.verdict.correct,
                "needs_review": answer.needs_review,
            },
        )

    def _tell_listeners(self, answer: Answer, question: Question) -> None:
        for listener in self.listeners:
            try:
                listener(answer, question)
            except Exception:
                log.exception("answer listener failed")

    def _listen(self) -> None:
        # Mastery and other listeners commit on their own; running them here
        # keeps their disk syncs off the path from pen-up to verdict.
        while True:
            item = self._heard.get()
            if item is None:
                return
            self._tell_listeners(*item)


def _settle(future: Future[None], error: BaseException | None) -> None:
    """Complete a driver's future; a driver that gave up waiting has cancelled it."""
    if not future.set_running_or_notify_cancel():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)

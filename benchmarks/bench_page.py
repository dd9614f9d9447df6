"""Teacher page: time to first byte, and time until a change reaches the page.

A real gateway service (waitress on a loopback port, a store holding a whole
class's answers to one assignment) is asked for the dashboard, the summary
and the class results. Then, with the event stream open as the page keeps
it, strokes are handed to the ingest worker and answers finish:

- ``ink``: from handing a stroke to the worker until the page hears of it
  (commit included);
- ``answer_after_idle``: from the moment an answer is due (its last pen-up,
  or the arrival of its last stroke if later, plus the deliberate
  end-of-answer wait) until the page has its verdict
  (reading, grading and storing included);
- ``answer_event``: from the stored verdict to the page (the bus and SSE).

    .venv/bin/python -m benchmarks.bench_page [--answers N] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.classroom import TOKEN, enrol, start_service, write
from benchmarks.common import summary
from benchmarks.sse import Api, EventStream
from edge.models import Answer, Candidate, Reading, Verdict
from edge.service import GatewayService
from edge.sim.classroom import SimStudent
from edge.store import Store

ASSIGNMENT = "math-g8-01-fractions"
IDLE_MS = 400
PATHS = ("/", "/api/v1/summary", f"/api/v1/assignments/{ASSIGNMENT}/results")


def fill_results(service: GatewayService, students: list[SimStudent]) -> None:
    """A verdict for every student and question, as at the end of a lesson."""
    assignment = service.services.assignments[ASSIGNMENT]
    with service.store.transaction():
        _fill(service, students, assignment.questions)


def _fill(service: GatewayService, students: list[SimStudent], questions: Any) -> None:
    for sim in students:
        for q in questions:
            answer = Answer(
                ASSIGNMENT,
                q.id,
                sim.student.id,
                (),
                Reading((Candidate(q.answer, 0.95),)),
                Verdict(True, q.points, q.points, "", "", "ok"),
                started_ms=1,
                finished_ms=2,
            )
            service.store.save_answer(answer, None)


def first_byte(api: Api, count: int) -> dict[str, Any]:
    """Time to first byte and to the whole body for each page path, in ms."""
    out: dict[str, Any] = {}
    for path in PATHS:
        firsts, totals = [], []
        for _ in range(count):
            status, _, first, total = api.get(path)
            assert status == 200, (path, status)
            firsts.append(first * 1000)
            totals.append(total * 1000)
        out[path] = {"ttfb_ms": summary(firsts), "total_ms": summary(totals)}
    return out


class Watch:
    """What the page heard, keyed so the benchmark can wait for it."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.ink: list[float] = []
        self.answers: dict[tuple[str, str], float] = {}
        self.stored: dict[tuple[str, str], float] = {}

    def on_event(self, arrived: float, kind: str, data: dict[str, Any]) -> None:
        with self.lock:
            if kind == "ink":
                self.ink.append(arrived)
            elif kind == "answer":
                self.answers[(data["student"], data["question"])] = arrived
            self.lock.notify_all()

    def time_commits(self, store: Store) -> None:
        """Note when each verdict's commit returns. Listeners run on their
        own thread after the page is told, so they cannot mark it."""
        save = store.save_answers

        def timed(items: Sequence[tuple[Answer, Any]]) -> Any:
            result = save(items)
            done = time.time()
            with self.lock:
                for answer, _ in items:
                    self.stored[(answer.student_id, answer.question_id)] = done
            return result

        store.save_answers = timed  # type: ignore[method-assign]

    def wait(self, test: Any, timeout: float = 10.0) -> None:
        with self.lock:
            if not self.lock.wait_for(test, timeout):
                raise RuntimeError("the page did not hear of a change in time")


def live_updates(
    service: GatewayService, students: list[SimStudent], api: Api, count: int
) -> dict[str, Any]:
    """Latency of ink and finished answers reaching the event stream, in ms."""
    watch = Watch()
    watch.time_commits(service.store)
    stream = EventStream(api, watch.on_event)
    stream.start()
    assignment = service.services.assignments[ASSIGNMENT]
    questions = [q for q in assignment.questions if q.region is not None]
    rng = random.Random(5)
    count = min(count, len(students) * len(questions) // 2)
    ink, after_idle, event = [], [], []
    try:
        for i in range(count):
            # Each (student, question) once: no earlier ink joins the answer.
            sim, question = students[i % len(students)], questions[i % len(questions)]
            written = write(sim, question, question.answer, _now_ms() - 2000, rng)
            seen = len(watch.ink)
            handed = time.time()
            service.gateway.submit(written.strokes)
            watch.wait(lambda seen=seen: len(watch.ink) > seen)
            ink.append((watch.ink[seen] - handed) * 1000)
            key = (sim.student.id, question.id)
            watch.wait(lambda key=key: key in watch.answers and key in watch.stored)
            # An answer idles from the later of its last pen-up and the
            # arrival of its last stroke (edge.assembly).
            last = max(max(s.end_ms for s in written.strokes) / 1000, handed)
            after_idle.append((watch.answers[key] - last - IDLE_MS / 1000) * 1000)
            event.append((watch.answers[key] - watch.stored[key]) * 1000)
            watch.answers.pop(key)
    finally:
        stream.close()
    return {
        "ink_ms": summary(ink),
        "answer_after_idle_ms": summary(after_idle),
        "answer_event_ms": summary(event),
        "idle_ms": IDLE_MS,
    }


def _now_ms() -> int:
    return int(time.time() * 1000)


def measure(
    folder: Path, requests: int, answers: int, model_dir: Path | None = None
) -> dict[str, Any]:
    """Run a service, fill it with a class's results, time the page."""
    service = start_service(folder, idle_ms=IDLE_MS, model_dir=model_dir)
    try:
        students = enrol(service, 50, ASSIGNMENT)
        fill_results(service, students)
        api = Api(service.web.url, TOKEN)
        out: dict[str, Any] = {"students": len(students)}
        out["first_byte"] = first_byte(api, requests)
        out["live"] = live_updates(service, students, api, answers)
        return out
    finally:
        service.stop()


def main() -> None:
    """Print the page's response and live-update times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--answers", type=int, default=30)
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(Path(tmp), args.requests, args.answers, args.model_dir)
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()

"""The ingest worker with the real recognizer and grader on simulated ink."""

from __future__ import annotations

import random
import time
from concurrent.futures import Future

import pytest

from edge.gateway import Gateway
from edge.inference.grading import grade
from edge.inference.recognition import Recognizer
from edge.models import (
    Assignment,
    Dot,
    PageAddress,
    Question,
    QuestionType,
    Rect,
    Region,
    Stroke,
    Student,
)
from edge.sim.handwriting import write_answer
from edge.store import Store

PAGE = PageAddress(3, 27, 1001, 1)
QUESTIONS = tuple(
    Question(
        f"q{i}",
        QuestionType.NUMERIC,
        key,
        points=2.0,
        region=Region(PAGE, Rect(60, 10 + 10 * i, 14, 5)),
    )
    for i, key in enumerate(["12", "-3/4", "0.5"])
)
ASSIGNMENT = Assignment("m1", "math", 8, "Test", 10, (PAGE,), QUESTIONS)
PEN = "9C:7B:D2:00:00:01"


@pytest.fixture(scope="module")
def reader() -> Recognizer:
    return Recognizer.load()


def ink(text: str, question: Question, t0: int, seed: int) -> list[Stroke]:
    assert question.region is not None
    rng = random.Random(seed)
    points = write_answer(text, question.region.rect, rng, seed)
    return [
        Stroke(PEN, PAGE, tuple(Dot(x, y, 500, t0 + dt) for x, y, dt in stroke))
        for stroke in points
    ]


def make_gateway(
    store: Store, reader: Recognizer, threshold: float | None = 0.0
) -> Gateway:
    store.save_students([Student("s01", "王一", "p-1", 1)])
    store.bind_device(PEN, "pen", "s01")
    return Gateway(
        store, [ASSIGNMENT], reader, grade, idle_ms=1500, review_threshold=threshold
    )


def test_written_answers_are_read_graded_and_queued(
    store: Store, reader: Recognizer, clock
) -> None:  # type: ignore[no-untyped-def]
    gateway = make_gateway(store, reader)
    t0 = clock()
    for i, (question, text) in enumerate(
        zip(QUESTIONS, ["12", "-3/4", "7"], strict=True)
    ):
        gateway.submit(ink(text, question, t0 + i * 4000, seed=i))
        gateway.step(clock())
    clock.advance(20_000)
    gateway.step(clock())

    rows = {r["question_id"]: r for r in store.answers("m1")}
    assert set(rows) == {"q0", "q1", "q2"}
    assert rows["q0"]["reading"] == "12" and rows["q0"]["correct"] == 1
    assert rows["q0"]["score"] == 2.0
    assert rows["q1"]["correct"] == 1
    assert rows["q2"]["correct"] == 0
    assert store.outbox_count() == 3
    assert gateway.stats.graded == 3


def test_uncertain_readings_go_to_review_ungraded(
    store: Store, reader: Recognizer, clock
) -> None:  # type: ignore[no-untyped-def]
    gateway = make_gateway(store, reader, threshold=1.01)
    gateway.submit(ink("12", QUESTIONS[0], clock(), seed=3))
    gateway.step(clock())
    clock.advance(5_000)
    gateway.step(clock())
    (row,) = store.answers("m1")
    assert row["needs_review"] == 1 and row["correct"] is None
    assert len(store.review_queue()) == 1


def test_ink_from_an_unknown_pen_is_kept_but_not_graded(
    store: Store, reader: Recognizer, clock
) -> None:  # type: ignore[no-untyped-def]
    gateway = make_gateway(store, reader)
    strangers = [
        Stroke("AA:AA:AA:AA:AA:AA", s.page, s.dots)
        for s in ink("5", QUESTIONS[0], clock(), seed=4)
    ]
    gateway.submit(strangers)
    gateway.step(clock())
    clock.advance(5_000)
    gateway.step(clock())
    assert store.counts()["strokes"] == len(strangers)
    assert store.answers("m1") == []
    assert gateway.stats.unknown_pens == {"AA:AA:AA:AA:AA:AA"}


def test_a_driver_that_stopped_waiting_does_not_kill_the_worker(
    store: Store, reader: Recognizer
) -> None:
    gateway = make_gateway(store, reader)
    gateway.start()
    try:
        future: Future[None] = gateway.submit(
            ink("3", QUESTIONS[0], store.clock(), seed=5)
        )
        future.cancel()
        done = gateway.submit(ink("4", QUESTIONS[1], store.clock() + 3000, seed=6))
        done.result(timeout=10)
        assert gateway.alive()
    finally:
        gateway.stop()
    assert store.counts()["strokes"] >= 1


def test_worker_commits_and_finishes_open_answers_on_stop(
    store: Store, reader: Recognizer
) -> None:
    gateway = make_gateway(store, reader)
    gateway.start()
    gateway.submit(ink("12", QUESTIONS[0], int(time.time() * 1000), seed=7))
    gateway.stop()
    assert len(store.answers("m1")) == 1

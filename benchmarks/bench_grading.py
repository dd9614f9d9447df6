"""Grading: milliseconds per answer over the homework library's questions.

Every question with an answer region is graded against answers a class
writes: the key itself and the mistakes ``edge.sim.answers`` makes (sign,
digit, place, inverted fraction, wrong choice). The first pass parses and
caches each key, as the first answer of a lesson does; the figures are the
passes after it.

    .venv/bin/python benchmarks/bench_grading.py [--answers N] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any

from benchmarks.common import summary
from edge.homework.library import load_library
from edge.inference.grading import grade
from edge.models import Question, QuestionType
from edge.sim.answers import student_answer


def class_answers(count: int, seed: int = 11) -> list[tuple[Question, str]]:
    """``count`` (question, written answer) pairs, about three in four right."""
    rng = random.Random(seed)
    questions = [
        q for a in load_library().values() for q in a.questions if q.region is not None
    ]
    return [
        (q, written_answer(q, rng))
        for q in (questions[i % len(questions)] for i in range(count))
    ]


def written_answer(question: Question, rng: random.Random, skill: float = 0.75) -> str:
    """What a student writes: right or a typical mistake, with the unit asked for."""
    text = student_answer(question, skill, rng)
    # Students write the unit a quantity question asks for; without it the
    # grader rightly says unit_missing, which is not the workload to time.
    if question.type is QuestionType.QUANTITY and question.unit:
        text += question.unit
    return text


def measure(count: int, passes: int = 3) -> dict[str, Any]:
    """Per-answer grading time (ms) after a first, key-caching pass."""
    work = class_answers(count)
    first = _timed_pass(work)
    times: list[float] = []
    for _ in range(passes):
        times.extend(_timed_pass(work))
    correct = sum(grade(q, text).correct for q, text in work)
    return {
        "answers": len(work),
        "questions": len({(q.id, q.answer) for q, _ in work}),
        "share_correct": round(correct / len(work), 3),
        "ms_per_answer": summary(times),
        "first_pass_ms_per_answer": summary(first),
    }


def _timed_pass(work: list[tuple[Question, str]]) -> list[float]:
    times = []
    for question, text in work:
        started = time.perf_counter()
        grade(question, text)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    """Print grading time per answer."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.answers)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:28} {value}")


if __name__ == "__main__":
    main()

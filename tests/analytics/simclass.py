"""A simulated class with planted ground truth, written into a real store.

Each student has a planted mastered/not-mastered state per knowledge point.
Two points are planted weak for the class (M14.12, and M15.3 which needs it),
and students lacking M14.12 also lack M15.3, so M14.12 is the planted
prerequisite gap. Answers follow BKT's emission (right with 1 - slip when
mastered, with guess otherwise). Choice question Q3 of the last sheet has a
planted bad distractor: option C tempts the strongest students.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from edge.analytics.sheets import assignment_from_body
from edge.models import (
    Answer,
    Assignment,
    Candidate,
    Dot,
    PageAddress,
    Question,
    QuestionType,
    Reading,
    Stroke,
    Student,
    Verdict,
)
from edge.store import Store

WEAK_KPS = ("M14.12", "M15.3")
STRONG_KPS = ("M14.8", "M14.9", "M14.11", "M15.2")
ALL_KPS = STRONG_KPS + WEAK_KPS
GUESS, SLIP = 0.15, 0.08
BAD_DISTRACTOR = ("S4", "Q3", "C")
# 2026-12-01 18:00 in China (UTC+8).
EVENING_MS = 1_796_119_200_000
DAY_MS = 86_400_000


@dataclass
class SimClass:
    """The planted truth next to what was written to the store."""

    students: list[str]
    mastered: dict[tuple[str, str], bool]
    sheets: list[Assignment] = field(default_factory=list)
    bodies: list[dict[str, object]] = field(default_factory=list)

    def planted_weak(self, student: str) -> set[str]:
        return {kp for kp in ALL_KPS if not self.mastered[(student, kp)]}


def plant(rng: np.random.Generator, n_students: int) -> SimClass:
    """Students with mastery states: weak points rare, strong points common."""
    students = [f"s{i:02d}" for i in range(n_students)]
    mastered: dict[tuple[str, str], bool] = {}
    for s in students:
        # A general ability makes items correlate as they do in real classes.
        ability = rng.normal()
        for kp in STRONG_KPS:
            mastered[(s, kp)] = bool(rng.random() < _sigmoid(2.0 + 1.2 * ability))
        mastered[(s, "M14.12")] = bool(rng.random() < _sigmoid(-1.0 + 1.5 * ability))
        mastered[(s, "M15.3")] = mastered[(s, "M14.12")] and bool(rng.random() < 0.7)
    return SimClass(students, mastered)


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def _question_body(qid: str, kp: str, qtype: str, answer: str) -> dict[str, object]:
    body: dict[str, object] = {
        "id": qid,
        "type": qtype,
        "answer": answer,
        "points": 1,
        "knowledge_points": [kp],
    }
    if qtype == "choice":
        body["options"] = ["A", "B", "C", "D"]
    return body


def sheet_bodies() -> list[dict[str, object]]:
    """Four sheets of 12 questions, each point twice; the last has choices."""
    bodies = []
    for n in range(1, 5):
        questions = [
            _question_body(f"Q{i + 1}", kp, "numeric", str(100 * n + i))
            for i, kp in enumerate(ALL_KPS + ALL_KPS)
        ]
        if n == 4:
            questions[0] = _question_body("Q1", "M14.8", "choice", "A")
            questions[2] = _question_body("Q3", "M14.11", "choice", "B")
            questions[7] = _question_body("Q8", "M14.9", "choice", "D")
        bodies.append(
            {
                "id": f"S{n}",
                "subject": "math",
                "grade": 8,
                "title": f"Sheet {n}",
                "estimated_minutes": 20,
                "questions": questions,
            }
        )
    return bodies


def _choice_reading(
    rng: np.random.Generator,
    sim: SimClass,
    student: str,
    key: str,
    right: bool,
    bad: bool,
) -> str:
    strength = sum(sim.mastered[(student, kp)] for kp in ALL_KPS) / len(ALL_KPS)
    if bad and strength >= 0.66 and rng.random() < 0.6:
        return "C"  # the planted flaw: a defensible option for those who know more
    if right:
        return key
    others = [o for o in "ABCD" if o != key and not (bad and o == "C")]
    return str(rng.choice(others))


def answer_sheet(
    rng: np.random.Generator, sim: SimClass, body: dict[str, object], start_ms: int
) -> list[tuple[Answer, list[Stroke]]]:
    """Every student's answers to one sheet, with strokes timed from start_ms."""
    out = []
    questions = body["questions"]
    assert isinstance(questions, list)
    for si, student in enumerate(sim.students):
        t = start_ms + si * 7_000
        for q in questions:
            kp = q["knowledge_points"][0]
            right = bool(
                rng.random() < ((1 - SLIP) if sim.mastered[(student, kp)] else GUESS)
            )
            if q["type"] == "choice":
                bad = (body["id"], q["id"]) == BAD_DISTRACTOR[:2]
                text = _choice_reading(rng, sim, student, q["answer"], right, bad)
                if bad:
                    right = text == q["answer"]
            else:
                text = (
                    q["answer"]
                    if right
                    else str(int(q["answer"]) + int(rng.integers(1, 3)))
                )
            confidence = float(rng.uniform(0.75, 1.0))
            strokes = [_stroke(t + k * 20_000) for k in range(3)]
            t += 60_000
            verdict = Verdict(right, float(right), 1.0, "", "", "")
            answer = Answer(
                body["id"],
                q["id"],
                student,
                tuple(strokes),
                Reading((Candidate(text, confidence),)),
                verdict,
                started_ms=strokes[0].start_ms,
                finished_ms=strokes[-1].end_ms,
            )
            out.append((answer, strokes))
    return out


def _stroke(start_ms: int) -> Stroke:
    dots = tuple(Dot(10.0 + i, 20.0, 500, start_ms + i * 1_000) for i in range(6))
    return Stroke("pen", PageAddress(3, 27, 603, 1), dots)


def build_class(store: Store, seed: int = 7, n_students: int = 40) -> SimClass:
    """Plant a class, store its roster, sheets, answers and strokes."""
    rng = np.random.default_rng(seed)
    sim = plant(rng, n_students)
    store.save_students(
        Student(s, f"Student {s}", f"p-{s}", seat=i) for i, s in enumerate(sim.students)
    )
    for day, body in enumerate(sheet_bodies()):
        sheet = assignment_from_body(body)
        store.save_assignment(sheet, body)
        sim.sheets.append(sheet)
        sim.bodies.append(body)
        written = answer_sheet(rng, sim, body, EVENING_MS + day * DAY_MS)
        with store.transaction():
            for answer, strokes in written:
                rows = (
                    (s, answer.student_id, sheet.id, answer.question_id)
                    for s in strokes
                )
                store.add_strokes(rows)
                store.save_answer(answer, None)
    return sim


def choice_question(qid: str, kp: str) -> Question:
    """A four-option choice question with key B."""
    return Question(
        qid,
        QuestionType.CHOICE,
        "B",
        options=("A", "B", "C", "D"),
        knowledge_points=(kp,),
    )

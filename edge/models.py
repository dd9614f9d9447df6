"""Domain types shared by every part of the gateway.

All are frozen, slotted dataclasses: plain values that cross module
boundaries, go into the store and come back out unchanged.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, order=True)
class PageAddress:
    """Where on the dot-pattern paper a stroke was written."""

    section: int
    owner: int
    book: int
    page: int

    def __str__(self) -> str:
        return f"{self.section}.{self.owner}.{self.book}.{self.page}"

    @classmethod
    def parse(cls, text: str) -> PageAddress:
        """Page address from its dotted form, for example ``3.27.603.1``."""
        parts = text.strip().split(".")
        if len(parts) != 4 or not all(p.isdigit() for p in parts):
            raise ValueError(f"not a page address: {text!r}")
        section, owner, book, page = (int(p) for p in parts)
        return cls(section, owner, book, page)


@dataclass(frozen=True, slots=True)
class Dot:
    """One pen sample: position in Ncode units, force, absolute time in ms."""

    x: float
    y: float
    force: int
    t_ms: int


@dataclass(frozen=True, slots=True)
class Stroke:
    """A pen-down to pen-up run of dots on one page."""

    pen: str
    page: PageAddress
    dots: tuple[Dot, ...]

    @property
    def start_ms(self) -> int:
        return self.dots[0].t_ms if self.dots else 0

    @property
    def end_ms(self) -> int:
        return self.dots[-1].t_ms if self.dots else 0

    def bounds(self) -> tuple[float, float, float, float]:
        """Bounding box (x0, y0, x1, y1) of the stroke's dots."""
        xs = [d.x for d in self.dots]
        ys = [d.y for d in self.dots]
        return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True, slots=True)
class Rect:
    """An axis-aligned rectangle in Ncode units."""

    x: float
    y: float
    width: float
    height: float

    def contains(self, x: float, y: float) -> bool:
        return (
            self.x <= x <= self.x + self.width and self.y <= y <= self.y + self.height
        )


@dataclass(frozen=True, slots=True)
class Region:
    """The answer box of a question on a printed page."""

    page: PageAddress
    rect: Rect


class QuestionType(enum.StrEnum):
    CHOICE = "choice"
    NUMERIC = "numeric"
    EXPRESSION = "expression"
    EQUATION = "equation"
    QUANTITY = "quantity"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Tolerance:
    """Numeric tolerance of a key: ``abs``, ``rel`` or ``sigfigs``."""

    kind: str
    value: float


@dataclass(frozen=True, slots=True)
class Question:
    """One question of an assignment with its answer key."""

    id: str
    type: QuestionType
    answer: str
    accept: tuple[str, ...] = ()
    tolerance: Tolerance | None = None
    form: str | None = None
    unit: str | None = None
    unit_mode: str = "convertible"
    options: tuple[str, ...] = ()
    multiple: bool = False
    partial_credit: bool = False
    points: float = 1.0
    knowledge_points: tuple[str, ...] = ()
    region: Region | None = None
    prompt: str = ""
    difficulty: float | None = None
    layer: str | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """A homework sheet: pages, questions and their answer regions."""

    id: str
    subject: str
    grade: int
    title: str
    estimated_minutes: float
    pages: tuple[PageAddress, ...]
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible reading of an answer, in linear answer notation."""

    text: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Reading:
    """What the recognizer read: ranked candidates, best first."""

    candidates: tuple[Candidate, ...]

    @property
    def text(self) -> str:
        return self.candidates[0].text if self.candidates else ""

    @property
    def confidence(self) -> float:
        return self.candidates[0].confidence if self.candidates else 0.0


@dataclass(frozen=True, slots=True)
class Verdict:
    """The grader's judgement of one answer, with a reason for the student."""

    correct: bool
    score: float
    max_score: float
    reason: str
    reason_zh: str
    code: str = ""


@dataclass(frozen=True, slots=True)
class Vote:
    """One clicker press as the receiver reported it."""

    clicker: str
    answer: str
    seq: int
    rssi: int
    received_ms: int
    poll_id: str | None = None


@dataclass(frozen=True, slots=True)
class Student:
    """A student on the roster; ``pseudonym`` is what leaves the gateway."""

    id: str
    name: str
    pseudonym: str
    seat: int | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """A student's answer to one question: ink, reading and verdict."""

    assignment_id: str
    question_id: str
    student_id: str
    strokes: tuple[Stroke, ...]
    reading: Reading
    verdict: Verdict | None
    needs_review: bool = False
    started_ms: int = 0
    finished_ms: int = 0
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

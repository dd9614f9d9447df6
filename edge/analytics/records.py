"""Plain records the analytics read: answers, stroke times, mastery."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One stored answer as the analytics see it."""

    assignment_id: str
    question_id: str
    student_id: str
    reading: str
    confidence: float
    correct: bool | None
    score: float | None = None
    max_score: float | None = None
    needs_review: bool = False
    reviewed: bool = False
    started_ms: int = 0
    finished_ms: int = 0

    @property
    def graded(self) -> bool:
        """Whether a verdict exists (an answer awaiting review has none)."""
        return self.correct is not None

    @property
    def credit(self) -> float:
        """Share of the points earned, 0..1 (partial credit counts in between)."""
        if self.score is not None and self.max_score:
            return min(max(self.score / self.max_score, 0.0), 1.0)
        return 1.0 if self.correct else 0.0

    @property
    def weight(self) -> float:
        """How far the verdict can be trusted as evidence, 0..1."""
        if self.reviewed:
            return 1.0
        return min(max(self.confidence, 0.0), 1.0)


@dataclass(frozen=True, slots=True)
class StrokeSpan:
    """When one stroke was written and by whom, for homework time."""

    student_id: str
    assignment_id: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class MasteryEstimate:
    """P(mastered) of one student on one knowledge point and its evidence."""

    student_id: str
    knowledge_point: str
    p_mastered: float
    evidence: float
    n_answers: int
    updated_ms: int

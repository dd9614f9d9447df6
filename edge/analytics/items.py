"""Item analysis of one assignment (classical test theory).

Students in the analysis are those with at least one graded answer. An
answer that is missing or still waits for review scores 0 in the totals and
is left out of the item's facility; ``n_answered`` and ``n_pending`` say how
many answers each figure rests on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from edge.analytics.bkt import Floats
from edge.analytics.distractors import option_stats, wrong_answers
from edge.analytics.equivalence import Same, grader_equivalence
from edge.analytics.records import AnswerRecord
from edge.analytics.types import ItemSection, ItemStats, TestStats
from edge.models import Question, QuestionType

# Ebel's bands: below 0.20 an item separates strong from weak students poorly.
LOW_DISCRIMINATION = 0.20
LOW_ITEM_REST = 0.20
# Fewer answers than this say nothing about an item: no flags, and no
# suggestion to go over it again (one wrong answer would read as "facility 0%").
MIN_ANSWERED = 5


@dataclass(frozen=True, slots=True)
class ScoreTable:
    """Credit (0..1, NaN if missing) per student and question, with the groups."""

    students: tuple[str, ...]
    questions: tuple[Question, ...]
    credit: Floats
    points: Floats
    upper: np.ndarray
    lower: np.ndarray

    @property
    def scores(self) -> Floats:
        """Points per student and question, missing as 0."""
        return np.nan_to_num(self.credit) * self.points[None, :]

    @property
    def totals(self) -> Floats:
        """Each student's total points."""
        totals: Floats = self.scores.sum(axis=1)
        return totals


def score_table(
    questions: Sequence[Question], answers: Sequence[AnswerRecord], fraction: float
) -> ScoreTable:
    """The score table of graded answers and the upper and lower groups."""
    graded = [a for a in answers if a.graded]
    students = tuple(sorted({a.student_id for a in graded}))
    row = {s: i for i, s in enumerate(students)}
    col = {q.id: j for j, q in enumerate(questions)}
    credit = np.full((len(students), len(questions)), np.nan)
    for a in graded:
        if a.question_id in col:
            credit[row[a.student_id], col[a.question_id]] = a.credit
    points = np.array([q.points for q in questions], dtype=np.float64)

    totals = (np.nan_to_num(credit) * points[None, :]).sum(axis=1)
    # Stable order: highest total first, student id breaks ties.
    order = sorted(range(len(students)), key=lambda i: (-totals[i], students[i]))
    size = max(1, round(fraction * len(students))) if len(students) >= 2 else 0
    upper = np.array(order[:size], dtype=int)
    lower = np.array(order[len(order) - size :] if size else [], dtype=int)
    return ScoreTable(students, tuple(questions), credit, points, upper, lower)


def correlation(x: Floats, y: Floats) -> float | None:
    """Pearson correlation, None when either side does not vary."""
    if len(x) < 3 or np.std(x) < 1e-12 or np.std(y) < 1e-12:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def test_stats(table: ScoreTable) -> TestStats:
    """Totals' mean, median, SD, Cronbach's alpha and SEM."""
    totals = table.totals
    n, k = table.credit.shape
    stats = TestStats(
        n_students=n,
        n_items=k,
        max_score=float(table.points.sum()),
        mean=None,
        median=None,
        sd=None,
        alpha=None,
        sem=None,
    )
    if n == 0:
        return stats
    stats["mean"] = _r(float(totals.mean()))
    stats["median"] = _r(float(np.median(totals)))
    if n < 2:
        return stats
    sd = float(totals.std(ddof=1))
    stats["sd"] = _r(sd)
    item_var = table.scores.var(axis=0, ddof=1).sum()
    if k >= 2 and sd > 1e-12:
        alpha = k / (k - 1) * (1 - item_var / sd**2)
        stats["alpha"] = _r(alpha)
        stats["sem"] = _r(sd * np.sqrt(max(0.0, 1 - alpha)))
    return stats


def item_stats(table: ScoreTable, j: int, answers: Sequence[AnswerRecord]) -> ItemStats:
    """Facility, discrimination, item-rest correlation and flags of one item."""
    q = table.questions[j]
    col = table.credit[:, j]
    answered = ~np.isnan(col)
    own = [a for a in answers if a.question_id == q.id]
    filled = np.nan_to_num(col)

    facility = float(col[answered].mean()) if answered.any() else None
    discrimination = None
    if len(table.upper) and answered.any():
        discrimination = float(filled[table.upper].mean() - filled[table.lower].mean())
    rest = table.totals - table.scores[:, j]
    item_rest = correlation(table.scores[:, j], rest)

    same, method = _sameness(q)
    return ItemStats(
        question_id=q.id,
        type=q.type.value,
        points=q.points,
        knowledge_points=list(q.knowledge_points),
        n_answered=int(answered.sum()),
        n_pending=sum(1 for a in own if not a.graded),
        facility=_r(facility),
        discrimination=_r(discrimination),
        item_rest=_r(item_rest),
        flags=(
            _flags(facility, discrimination, item_rest)
            if answered.sum() >= MIN_ANSWERED
            else []
        ),
        options=option_stats(q, table, j, own) if q.type == QuestionType.CHOICE else [],
        wrong_answers=[] if q.type == QuestionType.CHOICE else wrong_answers(own, same),
        wrong_grouping="options" if q.type == QuestionType.CHOICE else method,
    )


def _sameness(question: Question) -> tuple[Same, str]:
    return grader_equivalence(question)


def _flags(
    facility: float | None, discrimination: float | None, item_rest: float | None
) -> list[str]:
    flags = []
    if facility is not None and facility < 0.3:
        flags.append("hard")
    if facility is not None and facility > 0.9:
        flags.append("easy")
    if discrimination is not None and discrimination < 0:
        flags.append("negative_discrimination")
    elif discrimination is not None and discrimination < LOW_DISCRIMINATION:
        flags.append("low_discrimination")
    if item_rest is not None and item_rest < LOW_ITEM_REST:
        flags.append("low_item_rest")
    return flags


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def analyse_items(
    questions: Sequence[Question],
    answers: Sequence[AnswerRecord],
    *,
    group_fraction: float = 0.27,
) -> ItemSection:
    """Item analysis of an assignment: test statistics and one entry per item."""
    table = score_table(questions, answers, group_fraction)
    return ItemSection(
        group_fraction=group_fraction,
        test=test_stats(table),
        items=[item_stats(table, j, answers) for j in range(len(questions))],
    )

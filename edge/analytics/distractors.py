"""Distractor analysis for choice questions and common wrong answers for others.

A distractor works when weak students choose it more than strong ones: its
correlation with the rest score is negative. One chosen by fewer than 5% of
the class does no work, and one that strong students prefer is suspect: the
option may be defensible or the key wrong (Tarrant et al. 2009).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from edge.analytics.equivalence import Same, group_answers
from edge.analytics.records import AnswerRecord
from edge.analytics.sheets import choice_letters
from edge.analytics.types import OptionStats, WrongAnswer
from edge.models import Question

if TYPE_CHECKING:
    from edge.analytics.items import ScoreTable

RARELY_CHOSEN = 0.05
# A distractor attracts strong students when those who chose it score at
# least as well on the rest of the sheet as those who chose the key, and its
# point-biserial is positive beyond chance (one-sided 5%). The sign of r
# alone is flipped by one or two slips of strong students in a class of 40.
MIN_CHOSEN = 2
_Z95 = 1.6448536


def critical_r(n: int) -> float:
    """Smallest r significantly above 0 (one-sided 5%) for n pairs."""
    df = max(n - 2, 1)
    z = _Z95
    # Cornish-Fisher expansion of Student's t quantile; within 0.5% from df=5.
    t = z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
    return float(t / np.sqrt(df + t * t))


TOP_WRONG_ANSWERS = 5
BLANK = "(blank)"


def chosen_letters(reading: str, letters: Sequence[str]) -> set[str]:
    """Option letters in a reading (``b``, ``A C`` and ``AC`` all work)."""
    return {c for c in reading.upper() if c in letters}


def option_stats(
    question: Question, table: ScoreTable, j: int, own: Sequence[AnswerRecord]
) -> list[OptionStats]:
    """Share of each option overall and in the upper and lower groups, with r."""
    from edge.analytics.items import correlation

    letters = choice_letters(question)
    key = chosen_letters(question.answer, letters)
    row = {s: i for i, s in enumerate(table.students)}
    picks = {a.student_id: chosen_letters(a.reading, letters) for a in own if a.graded}
    answered = np.array(sorted(row[s] for s in picks if s in row), dtype=int)
    upper = np.intersect1d(table.upper, answered)
    lower = np.intersect1d(table.lower, answered)
    rest = table.totals - table.scores[:, j]
    chose = {
        letter: np.array([letter in picks.get(s, ()) for s in table.students], float)
        for letter in letters
    }
    key_rest = (
        _mean_rest(np.max([chose[k] for k in key], axis=0), rest, answered)
        if key
        else None
    )

    result = []
    for letter in letters:
        picked = chose[letter]
        count = int(picked.sum())
        r = correlation(picked[answered], rest[answered]) if len(answered) else None
        option = OptionStats(
            option=letter,
            is_key=letter in key,
            count=count,
            share=round(count / len(answered), 3) if len(answered) else 0.0,
            upper_share=round(_share(picked, upper), 3),
            lower_share=round(_share(picked, lower), 3),
            point_biserial=None if r is None else round(r, 3),
            mean_rest=_mean_rest(picked, rest, answered),
            flags=[],
        )
        option["flags"] = _option_flags(option, key_rest, critical_r(len(answered)))
        result.append(option)
    return result


def _share(chose: np.ndarray, group: np.ndarray) -> float:
    return float(chose[group].mean()) if len(group) else 0.0


def _mean_rest(
    picked: np.ndarray, rest: np.ndarray, answered: np.ndarray
) -> float | None:
    chosen = answered[picked[answered] > 0]
    return round(float(rest[chosen].mean()), 3) if len(chosen) else None


def _option_flags(
    option: OptionStats, key_rest: float | None, r_needed: float
) -> list[str]:
    r = option["point_biserial"]
    if option["is_key"]:
        return ["key_negative"] if r is not None and r < 0 else []
    flags = []
    if option["share"] < RARELY_CHOSEN:
        flags.append("rarely_chosen")
    own_rest = option["mean_rest"]
    if (
        option["count"] >= MIN_CHOSEN
        and own_rest is not None
        and key_rest is not None
        and own_rest >= key_rest
        and r is not None
        and r >= r_needed
    ):
        flags.append("attracts_strong")
    return flags


def wrong_answers(own: Sequence[AnswerRecord], same: Same) -> list[WrongAnswer]:
    """The most common wrong answers, grouped by equivalence."""
    graded = [a for a in own if a.graded]
    wrong = [a.reading.strip() or BLANK for a in graded if a.credit < 1.0]
    if not wrong:
        return []
    groups = group_answers(wrong, lambda a, b: BLANK not in (a, b) and same(a, b))
    return [
        WrongAnswer(
            answer=g.answer,
            count=g.count,
            share=round(g.count / len(graded), 3),
            variants=list(g.variants),
        )
        for g in groups[:TOP_WRONG_ANSWERS]
    ]

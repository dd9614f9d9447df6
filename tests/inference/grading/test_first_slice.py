"""Numeric and choice grading on the first library assignment."""

from __future__ import annotations

import pytest

from edge.homework import library_paths, load_assignment
from edge.inference.grading import grade


@pytest.fixture(scope="module")
def fractions():
    path = next(p for p in library_paths() if p.name.startswith("math-g8-01"))
    return load_assignment(path)[0]


@pytest.mark.parametrize(
    ("qid", "answer", "correct", "code"),
    [
        ("q1", "-3/4", True, "correct"),
        ("q1", "-0.75", True, "equivalent"),
        ("q1", "3/4", False, "wrong_value"),
        ("q6", "-6/8", False, "form_lowest_terms"),
        ("q7", "25×10^-6", False, "form_scientific"),
        ("q7", "2.5×10⁻⁵", True, "equivalent"),
        ("q11", "c", True, "correct"),
        ("q11", "AC", False, "choice_single"),
        ("q13", "1/8", True, "equivalent"),
        ("q12", "", False, "empty"),
    ],
)
def test_library_question(
    fractions, qid: str, answer: str, correct: bool, code: str
) -> None:
    verdict = grade(fractions.question(qid), answer)
    assert (verdict.correct, verdict.code) == (correct, code)
    assert verdict.reason and verdict.reason_zh

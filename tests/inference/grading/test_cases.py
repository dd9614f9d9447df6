"""The grading case table: every mode, with the verdict a teacher would give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from edge.homework.build import build_questions
from edge.homework.loader import validate_document
from edge.inference.grading import grade
from edge.models import Question

TABLE = Path(__file__).with_name("cases.yaml")


def _rows() -> list[Any]:
    rows = []
    for block in yaml.safe_load(TABLE.read_text(encoding="utf-8")):
        validate_document(TABLE, block["question"])
        (question,) = build_questions(TABLE, [block["question"]], pages=())
        for answer, correct, code, *score in block["cases"]:
            expected = score[0] if score else (question.points if correct else 0.0)
            case_id = f"{question.id}:{answer!r}"
            rows.append(
                pytest.param(question, answer, correct, code, expected, id=case_id)
            )
    return rows


ROWS = _rows()


def test_table_is_large_enough() -> None:
    assert len(ROWS) >= 200


@pytest.mark.parametrize(("question", "answer", "correct", "code", "score"), ROWS)
def test_case(
    question: Question, answer: str, correct: bool, code: str, score: float
) -> None:
    verdict = grade(question, answer)
    got = (verdict.correct, verdict.code, verdict.score)
    assert got == (correct, code, score), verdict.reason
    assert verdict.max_score == question.points
    assert verdict.reason.strip() and verdict.reason_zh.strip()
    assert "{" not in verdict.reason + verdict.reason_zh

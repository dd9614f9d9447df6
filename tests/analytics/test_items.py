"""Item analysis against figures worked out by hand."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.analytics.distractors import chosen_letters, critical_r
from edge.analytics.equivalence import group_answers, normalise_text
from edge.analytics.items import analyse_items
from edge.analytics.records import AnswerRecord
from edge.models import Question, QuestionType

GRID = {  # student: scores on Q1..Q3 (totals 3, 2, 2, 1, 0)
    "s1": (1, 1, 1),
    "s2": (1, 1, 0),
    "s3": (1, 0, 1),
    "s4": (0, 1, 0),
    "s5": (0, 0, 0),
}
QUESTIONS = [Question(f"Q{i}", QuestionType.NUMERIC, "1") for i in (1, 2, 3)]


def _answer(
    student: str, qid: str, right: bool | None, reading: str = ""
) -> AnswerRecord:
    return AnswerRecord(
        "A",
        qid,
        student,
        reading or ("1" if right else "2"),
        0.95,
        right,
        None if right is None else float(right),
        1.0,
    )


def _grid_answers() -> list[AnswerRecord]:
    return [
        _answer(s, f"Q{j + 1}", bool(v))
        for s, row in GRID.items()
        for j, v in enumerate(row)
    ]


def test_facility_discrimination_item_rest_and_alpha_by_hand() -> None:
    section = analyse_items(QUESTIONS, _grid_answers(), group_fraction=0.4)
    q1, q2, q3 = section["items"]
    assert [q1["facility"], q2["facility"], q3["facility"]] == [0.6, 0.6, 0.4]
    # Upper two: s1 and s2 (s2 before s3 on the tie by id); lower two: s4, s5.
    assert [q1["discrimination"], q2["discrimination"], q3["discrimination"]] == [
        1.0,
        0.5,
        0.5,
    ]
    # Q1 against the rest (2, 1, 1, 1, 0): cov 1.0 / sqrt(1.2 * 2.0).
    assert q1["item_rest"] == pytest.approx(1 / math.sqrt(2.4), abs=1e-3)
    test = section["test"]
    # Item variances 0.3 each, total variance 1.3: alpha = 1.5 * (1 - 0.9 / 1.3).
    assert test["alpha"] == pytest.approx(1.5 * (1 - 0.9 / 1.3), abs=1e-3)
    assert test["mean"] == 1.6 and test["median"] == 2.0
    assert test["sd"] == pytest.approx(math.sqrt(1.3), abs=1e-3)
    assert test["sem"] == pytest.approx(
        math.sqrt(1.3) * math.sqrt(1 - test["alpha"]), abs=2e-3
    )


def test_pending_and_missing_answers() -> None:
    answers = [*_grid_answers()[:-1], _answer("s5", "Q3", None)]
    item = analyse_items(QUESTIONS, answers)["items"][2]
    assert item["n_answered"] == 4 and item["n_pending"] == 1
    assert item["facility"] == 0.5


def test_a_key_that_strong_students_miss_is_flagged() -> None:
    rows = {"s1": 0, "s2": 0, "s3": 1, "s4": 1, "s5": 1}
    answers = [a for a in _grid_answers() if a.question_id != "Q3"]
    answers += [_answer(s, "Q3", bool(v)) for s, v in rows.items()]
    item = analyse_items(QUESTIONS, answers)["items"][2]
    assert "negative_discrimination" in item["flags"]


def _choice_class() -> tuple[list[Question], list[AnswerRecord]]:
    """Ten items; on the choice item strong students pick C, weak ones A or D."""
    questions = [Question(f"N{i}", QuestionType.NUMERIC, "1") for i in range(9)]
    choice = Question("C1", QuestionType.CHOICE, "B", options=("A", "B", "C", "D"))
    answers = []
    for s in range(30):
        ability = s / 29
        for i, q in enumerate(questions):
            answers.append(_answer(f"s{s:02d}", q.id, ability > i / 9))
        if s >= 22:
            pick = "C"
        elif s >= 10:
            pick = "B"
        else:
            pick = "AD"[s % 2]
        answers.append(_answer(f"s{s:02d}", "C1", pick == "B", pick))
    return [*questions, choice], answers


def test_distractor_analysis() -> None:
    questions, answers = _choice_class()
    item = analyse_items(questions, answers)["items"][-1]
    options = {o["option"]: o for o in item["options"]}
    assert options["C"]["count"] == 8 and options["B"]["is_key"]
    assert "attracts_strong" in options["C"]["flags"]
    assert options["C"]["upper_share"] > options["C"]["lower_share"]
    assert options["A"]["flags"] == [] and options["D"]["flags"] == []
    assert options["A"]["point_biserial"] < 0
    assert item["wrong_grouping"] == "options" and item["wrong_answers"] == []


def test_rarely_chosen_distractor() -> None:
    questions, answers = _choice_class()
    item = analyse_items(questions, answers)["items"][-1]
    for o in item["options"]:
        assert ("rarely_chosen" in o["flags"]) == (
            not o["is_key"] and o["share"] < 0.05
        )


def test_choice_letters_in_readings() -> None:
    letters = ("A", "B", "C", "D")
    assert chosen_letters("a c", letters) == {"A", "C"}
    assert chosen_letters("AC", letters) == {"A", "C"}
    assert chosen_letters("E?", letters) == set()


def test_critical_r_matches_t_tables() -> None:
    # t(0.95, 38) = 1.686 gives r = 0.2638; t(0.95, 8) = 1.860 gives 0.5494.
    assert critical_r(40) == pytest.approx(0.2638, abs=2e-3)
    assert critical_r(10) == pytest.approx(0.5494, abs=5e-3)


def test_wrong_answers_grouped_by_the_grader() -> None:
    q = Question("Q", QuestionType.NUMERIC, "0.25")
    readings = ["1/2", "0.5", "0.50", "2/4", "1/3", "", "0.25"]
    answers = [
        _answer(f"s{i}", "Q", r == "0.25", r or " ") for i, r in enumerate(readings)
    ]
    item = analyse_items([q], answers)["items"][0]
    assert item["wrong_grouping"] == "grader_equivalence"
    top = item["wrong_answers"][0]
    assert top["answer"] == "0.5" and top["count"] == 4  # ties: first in text order
    assert sorted(top["variants"]) == ["0.5", "0.50", "1/2", "2/4"]
    assert {w["answer"] for w in item["wrong_answers"][1:]} == {"1/3", "(blank)"}


def test_normalised_text_grouping() -> None:
    same = lambda a, b: normalise_text(a) == normalise_text(b)  # noqa: E731
    groups = group_answers(["x＝２", "x=2", " x = 2", "x=3"], same)
    assert (groups[0].answer, groups[0].count) == ("x=2", 3)
    assert normalise_text("3×4−1") == "3*4-1"


answers_strategy = st.lists(
    st.builds(
        AnswerRecord,
        assignment_id=st.just("A"),
        question_id=st.sampled_from(["Q1", "Q2", "C1", "ZZ"]),
        student_id=st.sampled_from([f"s{i}" for i in range(8)]),
        reading=st.text(max_size=6),
        confidence=st.floats(0, 1),
        correct=st.none() | st.booleans(),
        score=st.none() | st.floats(0, 2),
        max_score=st.none() | st.floats(0, 2),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(answers_strategy)
def test_any_answers_give_a_json_report(answers: list[AnswerRecord]) -> None:
    questions = [
        QUESTIONS[0],
        QUESTIONS[1],
        Question(
            "C1", QuestionType.CHOICE, "AC", options=("A", "B", "C"), multiple=True
        ),
    ]
    section = analyse_items(questions, answers)
    text = json.dumps(section, allow_nan=False)
    assert json.loads(text)["test"]["n_items"] == 3
    for item in section["items"]:
        if item["facility"] is not None:
            assert 0.0 <= item["facility"] <= 1.0


def test_an_item_with_too_few_answers_is_neither_flagged_nor_suggested() -> None:
    from edge.analytics.config import AnalyticsConfig
    from edge.analytics.diagnosis import questions_to_review

    answers = [*_grid_answers(), _answer("s1", "Q4", False), _answer("s2", "Q4", False)]
    questions = [*QUESTIONS, Question("Q4", QuestionType.NUMERIC, "1")]
    questions.append(Question("Q5", QuestionType.NUMERIC, "1"))  # nobody answered
    section = analyse_items(questions, answers, group_fraction=0.4)
    q4, q5 = section["items"][3:]
    assert q4["facility"] == 0.0 and q4["flags"] == []
    assert q5["discrimination"] is None and q5["flags"] == []
    review = [r["question_id"] for r in questions_to_review(section, AnalyticsConfig())]
    assert "Q4" not in review and "Q3" in review

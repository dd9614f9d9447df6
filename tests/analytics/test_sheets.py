"""Reading stored assignment documents for the analytics."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.analytics.errors import AnalyticsError
from edge.analytics.mastery import MasteryTracker
from edge.analytics.report import build_report
from edge.analytics.sheets import (
    assignment_from_body,
    library_from_assignments,
    question_minutes,
    readable_sheets,
)
from edge.homework import library_paths, load_assignment
from edge.models import QuestionType
from edge.store import Store
from tests.analytics.simclass import build_class


def test_library_document_keeps_grading_fields() -> None:
    path = next(p for p in library_paths() if "fractions" in p.name)
    loaded, document = load_assignment(path)
    sheet = assignment_from_body(document)
    assert sheet == loaded
    assert any(q.form for q in sheet.questions)


def test_lenient_document() -> None:
    sheet = assignment_from_body(
        {
            "id": "X",
            "questions": [
                {
                    "id": "q1",
                    "type": "choice",
                    "answer": "B",
                    "options": {"A": "1", "B": "2"},
                    "knowledge_points": "K",
                },
                {"id": "q2", "answer": "3", "points": 3},
            ],
        }
    )
    q1, q2 = sheet.questions
    assert q1.type == QuestionType.CHOICE and q1.options == ("A", "B")
    assert q1.knowledge_points == ("K",) and q2.type == QuestionType.TEXT
    assert question_minutes(q2, sheet) == 3.0


def test_minutes_share_the_estimate_by_points() -> None:
    sheet = assignment_from_body(
        {
            "id": "X",
            "estimated_minutes": 20,
            "questions": [
                {"id": "a", "type": "numeric", "answer": "1", "points": 1},
                {"id": "b", "type": "numeric", "answer": "1", "points": 3},
            ],
        }
    )
    items = library_from_assignments([sheet])
    assert [(i.key, i.minutes) for i in items] == [("X/a", 5.0), ("X/b", 15.0)]


@given(
    st.dictionaries(
        st.sampled_from(["id", "questions", "grade", "title"]),
        st.none()
        | st.integers()
        | st.text(max_size=5)
        | st.lists(st.integers(), max_size=2),
    )
)
def test_garbage_documents_give_a_clear_error(body: dict[str, object]) -> None:
    try:
        sheet = assignment_from_body(body)
    except AnalyticsError as exc:
        message = str(exc)
    else:
        assert sheet.id == str(body["id"])
        return
    assert message.startswith("stored assignment")


def test_unreadable_stored_document_is_skipped(store: Store) -> None:
    build_class(store, seed=8, n_students=4)
    store.conn.execute(
        "INSERT INTO assignments (id, subject, title, body, loaded_ms)"
        " VALUES ('BAD', 'math', 'bad', '{\"id\": \"BAD\", \"questions\": [{}]}', 0)"
    )
    assert len(readable_sheets(store.assignment_bodies())) == 4
    assert MasteryTracker(store).replay(persist=False)
    assert build_report(store, "S1", 0)["assignment"]["n_answers"] == 4 * 12
    with pytest.raises(AnalyticsError, match="BAD"):
        build_report(store, "BAD", 0)

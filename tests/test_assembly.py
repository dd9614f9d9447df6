"""Answer assembly: strokes to questions, and when an answer is complete."""

from __future__ import annotations

from edge.assembly import AnswerAssembler, RegionIndex
from edge.models import (
    Assignment,
    Dot,
    PageAddress,
    Question,
    QuestionType,
    Rect,
    Region,
    Stroke,
)

P1 = PageAddress(3, 27, 1001, 1)
P2 = PageAddress(3, 27, 1001, 2)


def question(qid: str, page: PageAddress, y: float) -> Question:
    return Question(
        qid, QuestionType.NUMERIC, "1", region=Region(page, Rect(60, y, 14, 5))
    )


ASSIGNMENT = Assignment(
    "math-1",
    "math",
    8,
    "Test",
    20,
    (P1, P2),
    (question("q1", P1, 10), question("q2", P1, 20), question("q3", P2, 10)),
)


def stroke(x: float, y: float, t0: int, page: PageAddress = P1) -> Stroke:
    return Stroke(
        "PEN",
        page,
        tuple(Dot(x + i * 0.2, y + i * 0.1, 300, t0 + i * 10) for i in range(6)),
    )


def assembler(idle_ms: int = 2000) -> AnswerAssembler:
    return AnswerAssembler(RegionIndex([ASSIGNMENT]), idle_ms)


def test_stroke_in_a_box_is_placed_on_its_question() -> None:
    placement, done = assembler().add(stroke(62, 12, 0), "s1")
    assert (placement.assignment_id, placement.question_id) == ("math-1", "q1")
    assert done == []


def test_stroke_just_outside_the_box_still_counts_but_far_away_does_not() -> None:
    a = assembler()
    assert a.add(stroke(58.5, 12, 0), "s1")[0].question_id == "q1"
    assert a.add(stroke(10, 60, 100), "s2")[0].question_id is None


def test_moving_to_another_box_completes_the_answer() -> None:
    a = assembler()
    a.add(stroke(62, 12, 0), "s1")
    a.add(stroke(65, 12, 300), "s1")
    _, done = a.add(stroke(62, 22, 900), "s1")
    assert [(d.question.id, len(d.strokes)) for d in done] == [("q1", 2)]


def test_page_change_completes_the_answer() -> None:
    a = assembler()
    a.add(stroke(62, 12, 0), "s1")
    _, done = a.add(stroke(62, 12, 500, page=P2), "s1")
    assert [d.question.id for d in done] == ["q1"]


def test_idle_completes_only_after_the_wait() -> None:
    a = assembler(idle_ms=2000)
    a.add(stroke(62, 12, 0), "s1")
    assert a.due(1_000) == []
    done = a.due(2_100)
    assert [d.question.id for d in done] == ["q1"]
    assert a.due(10_000) == []


def test_the_first_answer_to_fall_idle_sets_the_next_due_time() -> None:
    a = assembler(idle_ms=2000)
    assert a.next_due_ms() is None
    a.add(stroke(62, 12, 0), "s1")  # its last dot at 50 ms
    a.add(stroke(62, 22, 700), "s2", arrived_ms=900)  # arrived after its pen-up
    assert a.next_due_ms() == 2_050
    assert [d.student_id for d in a.due(2_050)] == ["s1"]
    assert a.next_due_ms() == 2_900
    a.due(2_900)
    assert a.next_due_ms() is None


def test_students_are_kept_apart() -> None:
    a = assembler()
    a.add(stroke(62, 12, 0), "s1")
    a.add(stroke(62, 22, 10), "s2")
    assert sorted(d.student_id for d in a.flush()) == ["s1", "s2"]


def test_stroke_outside_any_box_closes_the_open_answer() -> None:
    a = assembler()
    a.add(stroke(62, 12, 0), "s1")
    placement, done = a.add(stroke(5, 100, 100), "s1")
    assert placement.question_id is None
    assert [d.question.id for d in done] == ["q1"]


def test_empty_stroke_is_not_placed() -> None:
    a = assembler()
    placement, _ = a.add(Stroke("PEN", P1, ()), "s1")
    assert placement.question_id is None

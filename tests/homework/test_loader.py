"""Loading question and assignment files, and the errors that name the fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.homework import (
    HomeworkFileError,
    library_paths,
    load_assignment,
    load_library,
    load_question_file,
)
from edge.models import Assignment, PageAddress, QuestionType

ASSIGNMENT = """\
id: test-01
subject: math
grade: 8
title: 测试
estimated_minutes: 10
pages: ["3.27.1001.1"]
questions:
  - id: q1
    type: numeric
    answer: "-3/4"
    knowledge_points: [M15.1]
    region: {page: 1, x: 70, y: 16, width: 14, height: 5}
  - id: q2
    type: choice
    options: ["1", "2", "3", "4"]
    answer: B
    region: {page: 1, x: 70, y: 30, width: 14, height: 5}
"""


def write(tmp_path: Path, text: str, name: str = "q.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_assignment_loads_with_regions_on_pages(tmp_path: Path) -> None:
    assignment, document = load_assignment(write(tmp_path, ASSIGNMENT))
    assert assignment.id == "test-01"
    assert document["questions"][0]["answer"] == "-3/4"
    first = assignment.question("q1")
    assert first.type is QuestionType.NUMERIC
    assert first.region is not None
    assert first.region.page == PageAddress(3, 27, 1001, 1)
    assert first.region.rect.width == 14


def test_lone_question_needs_only_grading_fields(tmp_path: Path) -> None:
    loaded = load_question_file(
        write(tmp_path, 'id: t\ntype: numeric\nanswer: "0.5"\n')
    )
    assert isinstance(loaded, list)
    assert loaded[0].answer == "0.5"


def test_question_list_and_assignment_kinds(tmp_path: Path) -> None:
    text = 'questions:\n  - {id: a, type: text, answer: 液化}\n  - {id: b, type: numeric, answer: "2"}\n'
    loaded = load_question_file(write(tmp_path, text))
    assert isinstance(loaded, list)
    assert [q.id for q in loaded] == ["a", "b"]
    assert isinstance(
        load_question_file(write(tmp_path, ASSIGNMENT, "a.yaml")), Assignment
    )


@pytest.mark.parametrize(
    ("change", "question", "field"),
    [
        (("answer: B", "answer: 7"), "q2 (#2)", "answer"),
        (('answer: "-3/4"', "answer: -0.75"), "q1 (#1)", "answer"),
        (("type: numeric", "type: numbr"), "q1 (#1)", "type"),
        (
            ("width: 14, height: 5}\n  - id: q2", "width: -1, height: 5}\n  - id: q2"),
            "q1 (#1)",
            "region.width",
        ),
        (("[M15.1]", "[M99.1]"), "q1 (#1)", "knowledge_points"),
        (('answer: "-3/4"', 'answer: "-3/4@"'), "q1 (#1)", "answer"),
        (("id: q2", "id: q1"), "q1 (#2)", "id"),
        (("y: 30,", "y: 18,"), "q2 (#2)", "region"),
        (
            ("{page: 1, x: 70, y: 16", "{page: 2, x: 70, y: 16"),
            "q1 (#1)",
            "region.page",
        ),
        (("x: 70, y: 30", "x: 80, y: 30"), "q2 (#2)", "region"),
    ],
)
def test_errors_name_file_question_and_field(
    tmp_path: Path, change: tuple[str, str], question: str, field: str
) -> None:
    path = write(tmp_path, ASSIGNMENT.replace(*change))
    with pytest.raises(HomeworkFileError) as caught:
        load_assignment(path)
    error = caught.value
    assert error.path == str(path)
    assert error.question == question
    assert error.field == field
    assert str(path) in str(error)


def test_assignment_fields_are_required(tmp_path: Path) -> None:
    with pytest.raises(HomeworkFileError, match="estimated_minutes"):
        load_assignment(
            write(tmp_path, ASSIGNMENT.replace("estimated_minutes: 10\n", ""))
        )


def test_unreadable_files_are_clear(tmp_path: Path) -> None:
    with pytest.raises(HomeworkFileError, match="YAML"):
        load_question_file(write(tmp_path, "id: [unclosed\n"))
    with pytest.raises(HomeworkFileError, match="cannot read"):
        load_question_file(tmp_path / "missing.yaml")
    with pytest.raises(HomeworkFileError, match="mapping"):
        load_question_file(write(tmp_path, "- 1\n- 2\n"))


def test_library_loads_and_every_key_grades_itself() -> None:
    paths = library_paths()
    assert paths
    library = load_library()
    assert len(library) == len(paths)
    for assignment in library.values():
        assert 10 <= len(assignment.questions) <= 20
        assert all(q.region is not None for q in assignment.questions)

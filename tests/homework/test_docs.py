"""The examples in docs/homework-format.md load and behave as the text says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from edge.homework import knowledge_graph, load_question_file
from edge.inference.grading import grade
from edge.inference.grading.messages import CATALOGUE
from edge.models import Assignment

DOC = Path(__file__).parents[2] / "docs" / "homework-format.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```yaml\n(.*?)```", TEXT, re.S)


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.startswith("id:")])
def test_question_examples_load(block: str, tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(block, encoding="utf-8")
    loaded = load_question_file(path)
    questions = loaded.questions if isinstance(loaded, Assignment) else loaded
    for question in questions:
        assert grade(question, question.answer + (question.unit or "")).correct


def test_command_line_example_matches(tmp_path: Path) -> None:
    path = tmp_path / "speed.yaml"
    path.write_text(BLOCKS[0], encoding="utf-8")
    (question,) = load_question_file(path)
    verdict = grade(question, "36km/h")
    assert f"reason: {verdict.reason}" in TEXT
    assert f"理由: {verdict.reason_zh}" in TEXT


def test_knowledge_example_matches_the_data() -> None:
    (node,) = yaml.safe_load(next(b for b in BLOCKS if "P10.4" in b))
    real = knowledge_graph().nodes["P10.4"]
    assert tuple(node["prerequisites"]) == real.prerequisites
    assert node["name_zh"] == real.name_zh


def test_every_verdict_code_is_documented() -> None:
    for code in CATALOGUE:
        assert f"`{code}`" in TEXT, code

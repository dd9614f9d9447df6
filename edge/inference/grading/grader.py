"""``grade``: one answer text against one question's key, with a reason.

Student text only ever goes through the closed-token parser. Keys are parsed
the same way once and cached; a key that cannot be read is the question's
fault and gives a ``bad_key`` verdict instead of failing the student.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import lru_cache

from edge.inference.grading import nodes as n
from edge.inference.grading.choice import grade_choice
from edge.inference.grading.equations import NO_SOLUTION, grade_equation
from edge.inference.grading.equivalence import equivalent
from edge.inference.grading.errors import AnswerKeyError, AnswerSyntaxError, LimitError
from edge.inference.grading.evaluate import EvalError
from edge.inference.grading.forms import check_forms
from edge.inference.grading.messages import verdict
from edge.inference.grading.normalize import normalize
from edge.inference.grading.numeric import (
    Outcome,
    compare_number,
    match_sets,
    value_was_right,
    values,
)
from edge.inference.grading.parser import parse
from edge.inference.grading.quantity import grade_quantity
from edge.inference.grading.text import grade_text
from edge.models import Question, QuestionType, Verdict

log = logging.getLogger(__name__)


@lru_cache(maxsize=4096)
def parse_key(text: str) -> n.Node:
    """The parsed tree of an answer key in math notation (cached)."""
    try:
        return parse(text)
    except (AnswerSyntaxError, LimitError) as exc:
        raise AnswerKeyError(f"answer key {text!r} cannot be read: {exc}") from exc


def keys_of(question: Question) -> list[str]:
    """The key and every accepted alternative, in that order."""
    return [question.answer, *question.accept]


def grade(question: Question, answer_text: str) -> Verdict:
    """Grade a student's answer; never raises on anything the student wrote."""
    if not answer_text or not normalize(answer_text):
        return verdict(question, "empty")
    try:
        return _GRADERS[question.type](question, answer_text)
    except AnswerKeyError as exc:
        log.warning("question %s: %s", question.id, exc)
        return verdict(question, "bad_key")
    except LimitError as exc:
        return verdict(question, "too_long", detail=str(exc), detail_zh=exc.reason_zh)
    except AnswerSyntaxError as exc:
        return verdict(question, "unreadable", detail=str(exc), detail_zh=exc.reason_zh)
    except EvalError:
        return verdict(question, "undefined")


def _best(verdicts: list[Verdict]) -> Verdict:
    return max(verdicts, key=lambda v: (v.score, v.correct, v.code == "correct"))


def _from_outcome(
    question: Question, outcome: Outcome, student: str, key: str
) -> Verdict:
    if outcome.code == "correct" and normalize(student) != normalize(key):
        return verdict(question, "equivalent", 1.0, detail=normalize(student))
    if outcome.code == "not_exact":
        return verdict(question, "not_exact", detail=normalize(student))
    return verdict(question, outcome.code, outcome.fraction, detail=outcome.detail)


# -- numbers -----------------------------------------------------------------


def grade_numeric(question: Question, text: str) -> Verdict:
    """Grade a number, a set of numbers or a coordinate pair."""
    student = parse(text)
    return _best([_numeric(question, k, student, text) for k in keys_of(question)])


def _numeric(question: Question, key_text: str, student: n.Node, text: str) -> Verdict:
    key_values, answers = values(parse_key(key_text)), values(student)
    if len(key_values) == 1 and len(answers) == 1:
        outcome = compare_number(question, key_values[0], answers[0])
        return _from_outcome(question, outcome, text, key_text)
    matched, failures, extra = match_sets(question, key_values, answers)
    if extra and (matched or any(value_was_right(f) for f in failures)):
        return verdict(question, "extra_answers")
    if matched == len(key_values):
        return _from_outcome(question, Outcome("correct", 1.0), text, key_text)
    if failures and value_was_right(failures[0]):
        return verdict(
            question, failures[0].code, failures[0].fraction, detail=failures[0].detail
        )
    if matched:
        share = matched / len(key_values) if question.partial_credit else 0.0
        return verdict(
            question, "missing_answers", share, detail=matched, total=len(key_values)
        )
    return verdict(question, "wrong_value")


# -- expressions -------------------------------------------------------------


def grade_expression(question: Question, text: str) -> Verdict:
    """Grade an algebraic expression by equivalence, then by required form."""
    student = _expression_part(parse(text))
    return _best([_expression(question, k, student, text) for k in keys_of(question)])


def _expression_part(node: n.Node) -> n.Node:
    """The expression itself when a student wrote ``y=…`` or ``原式=…``."""
    if isinstance(node, n.Relation) and node.ops == ("=",):
        return node.operands[1] if isinstance(node.operands[0], n.Name) else node
    return node


def _expression(
    question: Question, key_text: str, student: n.Node, text: str
) -> Verdict:
    key = _expression_part(parse_key(key_text))
    if isinstance(student, n.Relation | n.AnswerSet | n.Word | n.Tuple):
        return verdict(question, "not_equivalent")
    try:
        result = equivalent(key, student)
    except EvalError:
        return verdict(question, "not_equivalent")
    if not result.equal:
        return verdict(question, "not_equivalent")
    form = check_forms(question.form, student, key)
    if form is not None:
        return verdict(question, form, 0.5 if question.partial_credit else 0.0)
    return _from_outcome(question, Outcome("correct", 1.0), text, key_text)


# -- equations -------------------------------------------------------------------


def grade_equation_answer(question: Question, text: str) -> Verdict:
    """Grade an equation, a solution set or an inequality."""
    clean = normalize(text)
    if any(word in clean for word in NO_SOLUTION):
        student: n.Node = n.Word("无解")
    else:
        student = parse(text)
    found = _best(
        [grade_equation(question, parse_key(k), student) for k in keys_of(question)]
    )
    guess = _SUBSCRIPT_GUESS.sub(r"\1_\2", text)
    if found.code != "not_solved" or guess == text:
        return found
    # Handwritten x₁ reaches the grader as "x1" (the recognizer reads a
    # subscript as a digit on the line), and "x1=2" read as x·1=2 is never a
    # solved answer: read such names as subscripted, and keep what scores more.
    again = [
        grade_equation(question, parse_key(k), parse(guess)) for k in keys_of(question)
    ]
    return _best([found, *again])


# A letter and one or two digits right before a relation sign, not inside a
# longer name or number: "x1=2", "x2≥-1".
_SUBSCRIPT_GUESS = re.compile(
    r"(?<![A-Za-z0-9_.)^])([A-Za-z])([0-9]{1,2})(?=\s*[=<>≤≥≠])"
)


_GRADERS: dict[QuestionType, Callable[[Question, str], Verdict]] = {
    QuestionType.CHOICE: grade_choice,
    QuestionType.NUMERIC: grade_numeric,
    QuestionType.EXPRESSION: grade_expression,
    QuestionType.TEXT: grade_text,
    QuestionType.EQUATION: grade_equation_answer,
    QuestionType.QUANTITY: grade_quantity,
}

"""Property tests: the parser and grader on random and hostile text.

The parser may only fail with its own errors; grade() never raises at all.
The time bound below only catches runaway work (it is far above normal cost,
which benchmarks/ measures).
"""

from __future__ import annotations

import contextlib
import time
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.errors import GradingError
from edge.inference.grading import grade
from edge.inference.grading.equivalence import equivalent
from edge.inference.grading.evaluate import EvalError, Exact, numeric
from edge.inference.grading.parser import parse
from edge.inference.grading.units import UNIT_SYMBOLS
from edge.models import Question, QuestionType, Tolerance

RUNAWAY_SECONDS = 2.0
SYMBOLS = "0123456789.+-*/^()=<>≤≥≠±√%°,xyabπ ×÷或且²³⁻₁"
WORDS = ["km/h", "m/s", "kg/m³", "℃", "°C", "无解", "10^", "N/kg", "Pa", "J", "W"]
NOTATION = [*SYMBOLS, *WORDS]
QUESTIONS = [
    Question("n", QuestionType.NUMERIC, "-3/4", form="lowest_terms"),
    Question("r", QuestionType.NUMERIC, "2√2", form="simplest_radical"),
    Question("s", QuestionType.NUMERIC, "2.45", tolerance=Tolerance("sigfigs", 3)),
    Question("e", QuestionType.EXPRESSION, "(x+1)^2", form="factored"),
    Question("x", QuestionType.EXPRESSION, "x^2+2x+1", form="expanded"),
    Question("q", QuestionType.EQUATION, "x=2或x=-2", partial_credit=True),
    Question("i", QuestionType.EQUATION, "x≥-2且x≠3"),
    Question("l", QuestionType.EQUATION, "y=-2x+3", form="explicit"),
    Question("u", QuestionType.QUANTITY, "10", unit="m/s", partial_credit=True),
    Question(
        "c", QuestionType.CHOICE, "AC", options=("1", "2", "3", "4"), multiple=True
    ),
    Question("t", QuestionType.TEXT, "液化"),
]

notation_text = st.lists(st.sampled_from(NOTATION), max_size=40).map("".join)
any_text = st.one_of(notation_text, st.text(max_size=80))


def _timed(call, *args):
    start = time.perf_counter()
    result = call(*args)
    assert time.perf_counter() - start < RUNAWAY_SECONDS
    return result


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_parser_raises_only_its_own_errors(text: str) -> None:
    for units in (None, UNIT_SYMBOLS.keys()):
        with contextlib.suppress(GradingError):
            _timed(parse, text, units)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.sampled_from(QUESTIONS))
def test_grade_never_raises(text: str, question: Question) -> None:
    verdict = _timed(grade, question, text)
    assert 0.0 <= verdict.score <= verdict.max_score
    assert verdict.correct == (verdict.score == verdict.max_score)
    assert verdict.reason and verdict.reason_zh and verdict.code


HOSTILE = [
    "(" * 500,
    "(" * 40 + "1" + ")" * 40,
    "√" * 60 + "2",
    "2^" * 60 + "2",
    "9^99^99",
    "(x+y+z+w)^64",
    "(a+b)(c+d)(e+f)(g+h)(i+j)(k+l)(m+n)(o+p)(q+r)(s+t)(u+v)(w+x)(y+z)",
    "9" * 199,
    "1/" * 99 + "1",
    "x" * 200,
    "√9999999967" * 18,
    "-" * 200,
    "__import__('os').system('true')",
    "().__class__.__base__.__subclasses__()",
    "1e308*1e308",
    "x=" * 60 + "1",
    "±" * 40 + "1",
    "1或" * 60 + "1",
]


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_hostile_answers_get_a_verdict(text: str, question: Question) -> None:
    verdict = _timed(grade, question, text)
    assert not verdict.correct
    assert verdict.reason and verdict.reason_zh


def test_absurdly_long_answer_is_refused_with_a_reason() -> None:
    verdict = grade(QUESTIONS[0], "-3/4" + "+0" * 500)
    assert verdict.code == "too_long"
    assert "too long" in verdict.reason and "过长" in verdict.reason_zh


# -- expressions built from a small grammar -------------------------------------

atoms = st.one_of(
    st.integers(0, 12).map(str),
    st.sampled_from(["x", "y", "a", "0.5", "√2", "√3"]),
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", ""]), children)
    return st.one_of(
        binary.map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
        st.tuples(children, st.integers(0, 3)).map(lambda t: f"({t[0]})^{t[1]}"),
        children.map(lambda c: f"-({c})"),
    )


expressions = st.recursive(atoms, _combine, max_leaves=8)


@settings(max_examples=150, deadline=None)
@given(expressions)
def test_every_expression_is_equivalent_to_itself_expanded(text: str) -> None:
    tree = parse(text)
    assert equivalent(tree, tree).equal
    question = Question("e", QuestionType.EXPRESSION, text)
    assert grade(question, text).correct


@settings(max_examples=200, deadline=None)
@given(expressions, st.fractions(-5, 5, max_denominator=7), st.fractions(-5, 5))
def test_exact_form_agrees_with_numeric_walk(
    text: str, x: Fraction, y: Fraction
) -> None:
    tree = parse(text)
    env = {"x": complex(float(x)), "y": complex(float(y)), "a": complex(1.5), "π": 0j}
    try:
        exact = Exact()(tree).evaluate(env)
        walked = numeric(tree, env)
    except (EvalError, ZeroDivisionError, GradingError, OverflowError):
        return
    assert abs(exact - walked) <= 1e-6 * max(1.0, abs(walked))


@settings(max_examples=100, deadline=None)
@given(expressions, expressions)
def test_sum_commutes(a: str, b: str) -> None:
    question = Question("e", QuestionType.EXPRESSION, f"({a})+({b})")
    assert grade(question, f"({b})+({a})").correct

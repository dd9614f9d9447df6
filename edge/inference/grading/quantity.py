"""Physical quantities: a number with a unit, strict or convertible.

``unit_mode: convertible`` accepts any unit of the right dimension (36 km/h
for 10 m/s); ``strict`` requires the key's unit. A right number with a
missing unit, or an equivalent value in another unit under ``strict``, earns
half the points when the question allows partial credit.
"""

from __future__ import annotations

from functools import lru_cache

from edge.inference.grading import nodes as n
from edge.inference.grading.errors import AnswerKeyError, AnswerSyntaxError, LimitError
from edge.inference.grading.evaluate import EvalError, numeric
from edge.inference.grading.messages import verdict
from edge.inference.grading.normalize import normalize
from edge.inference.grading.numeric import Outcome, tolerance_outcome
from edge.inference.grading.parser import parse
from edge.inference.grading.units import UNIT_SYMBOLS, convert, same_unit
from edge.models import Question, Tolerance, Verdict

EXACT = Tolerance("rel", 1e-9)
"""Without a tolerance, converted values must agree to rounding error only."""


def final_value(text: str) -> str:
    """The part after the last ``=``: ``v=s/t=100m/8s=12.5m/s`` gives ``12.5m/s``."""
    clean = normalize(text).replace("≈", "=")
    return clean.rsplit("=", 1)[-1]


def parse_quantity(text: str) -> n.Quantity:
    """A single quantity in quantity notation."""
    node = parse(final_value(text), UNIT_SYMBOLS.keys())
    if isinstance(node, n.Quantity):
        return node
    raise AnswerSyntaxError(
        "write one value with its unit", "只写一个数值和它的单位", 0
    )


@lru_cache(maxsize=1024)
def _key(text: str, unit: str | None) -> n.Quantity:
    try:
        key = parse_quantity(text)
        if key.unit is None and unit:
            unit_node = parse("1" + unit, UNIT_SYMBOLS.keys())
            if not isinstance(unit_node, n.Quantity) or unit_node.unit is None:
                raise AnswerKeyError(f"unit {unit!r} is not a unit")
            key = n.Quantity(key.value, unit_node.unit)
    except (AnswerSyntaxError, LimitError) as exc:
        raise AnswerKeyError(f"answer key {text!r} cannot be read: {exc}") from exc
    if key.unit is None:
        raise AnswerKeyError(f"answer key {text!r} has no unit")
    return key


def grade_quantity(question: Question, text: str) -> Verdict:
    """Grade a value with a unit against the key and accepted alternatives."""
    student = parse_quantity(text)
    keys = [_key(k, question.unit) for k in (question.answer, *question.accept)]
    verdicts = [_against(question, key, student) for key in keys]
    return max(verdicts, key=lambda v: (v.score, v.correct))


def _against(question: Question, key: n.Quantity, student: n.Quantity) -> Verdict:
    key_unit = key.unit
    if key_unit is None:
        raise AnswerKeyError(f"answer key of {question.id} has no unit")
    try:
        key_value = numeric(key.value, {}).real
        value = numeric(student.value, {}).real
    except EvalError:
        return verdict(question, "wrong_value")
    tolerance = question.tolerance or EXACT
    if student.unit is None:
        outcome = tolerance_outcome(
            question, tolerance, key_value, value, student.value
        )
        if outcome.fraction >= 1.0:
            half = 0.5 if question.partial_credit else 0.0
            return verdict(question, "unit_missing", half, detail=str(key_unit))
        return verdict(question, "wrong_value")
    converted = convert(value, student.unit, key_unit)
    if converted is None:
        return verdict(question, "unit_dimension", detail=str(student.unit))
    outcome = tolerance_outcome(
        question, tolerance, key_value, converted, student.value
    )
    written = f"{_plain(student.value)}{student.unit}"
    return _verdict(
        question, outcome, same_unit(key_unit, student.unit), key_unit, written
    )


def _verdict(
    question: Question, outcome: Outcome, same: bool, key_unit: n.Unit, written: str
) -> Verdict:
    if outcome.fraction < 1.0:
        if outcome.code in ("sigfigs", "dec_places"):
            return verdict(
                question, outcome.code, outcome.fraction, detail=outcome.detail
            )
        return verdict(question, "unit_value" if same else "wrong_value")
    if not same and question.unit_mode == "strict":
        half = 0.5 if question.partial_credit else 0.0
        return verdict(question, "unit_strict", half, detail=str(key_unit))
    if outcome.code in ("within_tolerance", "correct_rounded") and question.tolerance:
        return verdict(question, outcome.code, 1.0, detail=outcome.detail)
    if same:
        return verdict(question, "correct", 1.0)
    return verdict(question, "equivalent", 1.0, detail=written)


def _plain(node: n.Node) -> str:
    """A short rendering of a value for messages."""
    try:
        return f"{numeric(node, {}).real:g}"
    except EvalError:
        return "?"

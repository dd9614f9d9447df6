"""Numbers: exact values, tolerances, significant figures and answer sets.

Decimals are read as exact rationals, so 0.5 and 1/2 are the same number; a
question that cares how the number is written says so with a ``form``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from edge.inference.grading import nodes as n
from edge.inference.grading.errors import LimitError
from edge.inference.grading.evaluate import EvalError, Exact, alternatives, numeric
from edge.inference.grading.forms import check_forms
from edge.models import Question, Tolerance

APPROX_REL = 2e-3
"""How close an inexact answer must be to count as "close but not exact"."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """Result of comparing one value with one key value."""

    code: str
    fraction: float
    detail: str = ""


OK = Outcome("correct", 1.0)


def values(node: n.Node) -> list[n.Node]:
    """The separate values an answer stands for (answer sets, ±, ``x=`` prefixes)."""
    match node:
        case n.AnswerSet(items=items):
            return [v for item in items for v in values(item)]
        case n.Relation(ops=("=",), operands=(n.Name(), right)):
            return values(right)
        case n.Tuple():
            return [node]
    return alternatives(node)


def compare_number(question: Question, key: n.Node, student: n.Node) -> Outcome:
    """Compare one written value with one key value under the question's rules."""
    if isinstance(key, n.Tuple) or isinstance(student, n.Tuple):
        return _compare_tuple(question, key, student)
    exact = Exact()
    try:
        key_value = exact(key)
        student_value = exact(student)
    except EvalError:
        return Outcome("wrong_value", 0.0)
    if student_value.symbols() - {"π"}:
        return Outcome("not_a_number", 0.0)
    outcome = _value_outcome(question, key, student, key_value.equals(student_value))
    if outcome.fraction < 1.0:
        return outcome
    form = check_forms(question.form, student, key)
    if form is not None:
        return Outcome(form, 0.5 if question.partial_credit else 0.0)
    return outcome


def _compare_tuple(question: Question, key: n.Node, student: n.Node) -> Outcome:
    if not (isinstance(key, n.Tuple) and isinstance(student, n.Tuple)):
        return Outcome("wrong_value", 0.0)
    if len(key.items) != len(student.items):
        return Outcome("wrong_value", 0.0)
    for k, s in zip(key.items, student.items, strict=True):
        outcome = compare_number(question, k, s)
        if outcome.fraction < 1.0:
            return outcome
    return OK


def _value_outcome(
    question: Question, key: n.Node, student: n.Node, same: bool
) -> Outcome:
    tolerance = question.tolerance
    if same and (tolerance is None or tolerance.kind in ("abs", "rel")):
        return OK
    try:
        key_float = numeric(key, {}).real
        student_float = numeric(student, {}).real
    except EvalError:
        return Outcome("wrong_value", 0.0)
    if tolerance is None:
        if _close(key_float, student_float, APPROX_REL):
            return Outcome("not_exact", 0.0)
        return Outcome("wrong_value", 0.0)
    return tolerance_outcome(question, tolerance, key_float, student_float, student)


def _close(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-12)


def tolerance_outcome(
    question: Question, tolerance: Tolerance, key: float, value: float, student: n.Node
) -> Outcome:
    """Compare ``value`` (written as ``student``) with ``key`` under a tolerance."""
    kind, limit = tolerance.kind, tolerance.value
    if kind in ("sigfigs", "dec_places"):
        return _digits_outcome(question, kind, int(limit), key, student, value)
    if _close(value, key, 1e-12):
        return OK
    margin = limit if kind == "abs" else limit * abs(key)
    shown = f"±{limit:g}" if kind == "abs" else f"±{limit * 100:g}%"
    if abs(value - key) <= margin + 1e-12 * max(abs(key), 1.0):
        return Outcome("within_tolerance", 1.0, shown)
    return Outcome("outside_tolerance", 0.0, shown)


def _digits_outcome(
    question: Question, kind: str, want: int, key: float, student: n.Node, value: float
) -> Outcome:
    literal = _literal(student)
    if literal is None:
        return Outcome("wrong_value", 0.0)
    if kind == "sigfigs":
        low, high = sigfig_range(literal)
        written = [low, high]
        right_count = low <= want <= high
        rounded = [round_sigfigs(key, k) for k in (want, *written)]
    else:
        right_count = _decimals(literal) == want
        rounded = [round(key, want), round(key, _decimals(literal))]
    if _close(value, rounded[0], 1e-9) and right_count:
        unit = "significant figures" if kind == "sigfigs" else "decimal places"
        unit_zh = "位有效数字" if kind == "sigfigs" else "位小数"
        return Outcome("correct_rounded", 1.0, f"{want} {unit}|{want}{unit_zh}")
    if any(_close(value, r, 1e-9) for r in rounded):
        # The digits written are the key's, only to the wrong precision.
        code = "sigfigs" if kind == "sigfigs" else "dec_places"
        return Outcome(code, 0.5 if question.partial_credit else 0.0, str(want))
    return Outcome("wrong_value", 0.0)


def _literal(node: n.Node) -> str | None:
    """The mantissa a number was written with: ``-2.50`` in ``-2.50×10^3``."""
    if isinstance(node, n.Neg):
        return _literal(node.arg)
    if isinstance(node, n.Num):
        return node.literal
    if isinstance(node, n.BinOp) and node.op == "*" and isinstance(node.left, n.Num):
        power = node.right
        if (
            isinstance(power, n.BinOp)
            and power.op == "^"
            and power.left == n.Num(Fraction(10), "10")
        ):
            return node.left.literal
    return None


def sigfig_range(literal: str) -> tuple[int, int]:
    """Fewest and most significant figures a literal can be read as.

    Trailing zeros of a whole number (2500) are ambiguous, so both readings
    count; everything else is fixed.
    """
    digits = literal.replace(".", "").lstrip("0")
    if not digits:
        return 1, 1
    if "." in literal:
        return len(digits), len(digits)
    return len(digits.rstrip("0")) or 1, len(digits)


def _decimals(literal: str) -> int:
    return len(literal.split(".", 1)[1]) if "." in literal else 0


def round_sigfigs(value: float, figures: int) -> float:
    """``value`` rounded to ``figures`` significant figures."""
    if value == 0:
        return 0.0
    return round(value, figures - 1 - math.floor(math.log10(abs(value))))


def match_sets(
    question: Question, keys: list[n.Node], answers: list[n.Node]
) -> tuple[int, list[Outcome], list[n.Node]]:
    """Pair answers with key values: (matched count, failed outcomes, extra answers)."""
    if len(keys) * len(answers) > 256:
        raise LimitError("the answer has too many parts", "答案包含的部分过多")
    unmatched = list(answers)
    failures: list[Outcome] = []
    matched = 0
    for key in keys:
        best: tuple[Outcome, n.Node] | None = None
        for answer in unmatched:
            outcome = compare_number(question, key, answer)
            if best is None or outcome.fraction > best[0].fraction:
                best = (outcome, answer)
        if best is None:
            continue
        if best[0].fraction >= 1.0:
            matched += 1
        else:
            failures.append(best[0])
        if best[0].fraction >= 1.0 or value_was_right(best[0]):
            unmatched.remove(best[1])
    return matched, failures, unmatched


def value_was_right(outcome: Outcome) -> bool:
    """True for outcomes that fault only the form, not the value."""
    return outcome.code.startswith(("form_", "unit_strict", "unit_missing")) or (
        outcome.code in ("sigfigs", "dec_places")
    )

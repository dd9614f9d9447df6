"""Equations, solutions and inequalities, compared by their solution sets.

* Solutions in one variable (``x=2 或 x=-2``, ``x=±2``, ``x≥-2且x≠3``) are
  compared as sets of real numbers: equal exactly when membership agrees at
  every boundary point and between them.
* Solutions of a system (``x=1, y=2``) are compared as assignments.
* Other equations (``y=-2x+3``) are equivalent when one is a non-zero
  multiple of the other.
* 无解 ("no solution") is the empty set.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from edge.inference.grading import nodes as n
from edge.inference.grading.algebra import Poly
from edge.inference.grading.equivalence import names
from edge.inference.grading.errors import LimitError
from edge.inference.grading.evaluate import EvalError, Exact, alternatives, numeric
from edge.inference.grading.forms import check_forms, walk
from edge.inference.grading.messages import verdict
from edge.inference.grading.numeric import match_sets, value_was_right
from edge.models import Question, Verdict

EPS = 1e-9
NO_SOLUTION = ("无解", "无实数解", "原方程无解", "不存在")
_MAX_RELATIONS = 12


def relations(node: n.Node) -> list[n.Relation]:
    """The relations of an answer, with ± expanded into separate relations."""
    found = [x for x in walk(node) if isinstance(x, n.Relation)]
    out: list[n.Relation] = []
    for relation in found:
        for expanded in _expand(relation):
            out.append(expanded)
    if len(out) > _MAX_RELATIONS:
        raise LimitError("the answer has too many parts", "答案包含的部分过多")
    return out


def _expand(relation: n.Relation) -> list[n.Relation]:
    choices: list[list[n.Node]] = [alternatives(x) for x in relation.operands]
    combos: list[list[n.Node]] = [[]]
    for options in choices:
        combos = [[*c, o] for c in combos for o in options]
    return [n.Relation(relation.ops, tuple(c)) for c in combos]


def is_no_solution(node: n.Node) -> bool:
    """True for 无解 and its synonyms."""
    return isinstance(node, n.Word) and node.text in NO_SOLUTION


def _solved(relation: n.Relation) -> str | None:
    """The variable of a solved relation (x op c, c op x, a<x<b), else None."""
    variables = [o for o in relation.operands if isinstance(o, n.Name)]
    constants = [o for o in relation.operands if not names(o)]
    if len(variables) == 1 and len(constants) == len(relation.operands) - 1:
        return variables[0].base
    return None


def _is_solution_form(node: n.Node) -> bool:
    rels = relations(node)
    return bool(rels) and all(_solved(r) for r in rels)


def grade_equation(question: Question, key: n.Node, student: n.Node) -> Verdict:
    """Grade an equation or solution answer against one parsed key."""
    if is_no_solution(key) or is_no_solution(student):
        same = is_no_solution(key) and is_no_solution(student)
        return (
            verdict(question, "correct", 1.0)
            if same
            else verdict(question, "wrong_solution")
        )
    if _is_solution_form(key):
        return _grade_solutions(question, key, student)
    return _grade_equation(question, key, student)


# -- solution sets -------------------------------------------------------------


def _grade_solutions(question: Question, key: n.Node, student: n.Node) -> Verdict:
    key_vars = {_solved(r) for r in relations(key)}
    bare = not relations(student) and not names(student)
    if bare and len(key_vars) == 1 and all(r.ops == ("=",) for r in relations(key)):
        student = _as_solutions(student, next(iter(key_vars)) or "x")
    student_rels = relations(student)
    if not student_rels:
        return verdict(question, "not_an_equation")
    if not all(_solved(r) for r in student_rels):
        return verdict(question, "not_solved")
    if {_solved(r) for r in student_rels} != key_vars:
        return verdict(question, "wrong_solution")
    if len(key_vars) > 1:
        return _grade_system(question, key, student)
    if all(r.ops == ("=",) for r in relations(key) + student_rels):
        return _grade_roots(question, key, student)
    return _grade_sets(question, key, student)


def _as_solutions(node: n.Node, variable: str) -> n.Node:
    if isinstance(node, n.AnswerSet):
        items = tuple(_as_solutions(item, variable) for item in node.items)
        return n.AnswerSet(node.joiner, items)
    return n.Relation(("=",), (n.Name(variable), node))


def _value_of(relation: n.Relation) -> n.Node:
    left, right = relation.operands[0], relation.operands[-1]
    return right if isinstance(left, n.Name) else left


def _grade_roots(question: Question, key: n.Node, student: n.Node) -> Verdict:
    key_values = _distinct([_value_of(r) for r in relations(key)])
    answers = _distinct([_value_of(r) for r in relations(student)])
    matched, failures, extra = match_sets(question, key_values, answers)
    if extra and (matched or any(value_was_right(f) for f in failures)):
        return verdict(question, "extra_answers")
    if matched == len(key_values):
        return verdict(question, "correct", 1.0)
    if failures and failures[0].code.startswith("form_"):
        return verdict(question, failures[0].code, failures[0].fraction)
    if matched:
        share = matched / len(key_values) if question.partial_credit else 0.0
        return verdict(
            question, "missing_answers", share, detail=matched, total=len(key_values)
        )
    return verdict(question, "wrong_solution")


def _distinct(nodes: list[n.Node]) -> list[n.Node]:
    out: list[n.Node] = []
    exact = Exact()
    for node in nodes:
        if not any(exact(node).equals(exact(o)) for o in out):
            out.append(node)
    return out


def _grade_system(question: Question, key: n.Node, student: n.Node) -> Verdict:
    if _assignment(key) == _assignment(student):
        return verdict(question, "correct", 1.0)
    return verdict(question, "wrong_solution")


def _assignment(node: n.Node) -> dict[str, Fraction | float] | None:
    values: dict[str, Fraction | float] = {}
    for relation in relations(node):
        if relation.ops != ("=",):
            return None
        name = _solved(relation) or ""
        value = _constant(_value_of(relation))
        if name in values and values[name] != value:
            return None
        values[name] = value
    return values


def _constant(node: n.Node) -> Fraction | float:
    try:
        exact = Exact()(node).rational()
        return exact if exact is not None else round(numeric(node, {}).real, 9)
    except (EvalError, LimitError):
        return float("nan")


def _grade_sets(question: Question, key: n.Node, student: n.Node) -> Verdict:
    points = sorted(set(_boundaries(key) + _boundaries(student)))
    samples = list(points)
    samples += [(a + b) / 2 for a, b in itertools.pairwise(points)]
    samples += [points[0] - 1, points[-1] + 1] if points else [0.0]
    for x in samples:
        if _member(key, x) != _member(student, x):
            return verdict(question, "wrong_solution")
    return verdict(question, "correct", 1.0)


def _boundaries(node: n.Node) -> list[float]:
    return [
        numeric(o, {}).real for r in relations(node) for o in r.operands if not names(o)
    ]


def _member(node: n.Node, x: float) -> bool:
    """Whether x belongs to the set an answer describes."""
    match node:
        case n.AnswerSet(joiner="all", items=items):
            return all(_member(i, x) for i in items)
        case n.AnswerSet(items=items):
            return any(_member(i, x) for i in items)
        case n.Relation():
            return any(_holds(r, x) for r in _expand(node))
    return False


def _holds(relation: n.Relation, x: float) -> bool:
    values = [
        x if isinstance(o, n.Name) else numeric(o, {}).real for o in relation.operands
    ]
    return all(
        _compare(op, a, b)
        for op, a, b in zip(relation.ops, values, values[1:], strict=False)
    )


def _compare(op: str, a: float, b: float) -> bool:
    tol = EPS * max(1.0, abs(a), abs(b))
    return {
        "=": abs(a - b) <= tol,
        "≈": abs(a - b) <= tol,
        "≠": abs(a - b) > tol,
        "<": a < b - tol,
        ">": a > b + tol,
        "≤": a <= b + tol,
        "≥": a >= b - tol,
    }[op]


# -- general equations -----------------------------------------------------------


def _grade_equation(question: Question, key: n.Node, student: n.Node) -> Verdict:
    if not (isinstance(student, n.Relation) and student.ops == ("=",)):
        return verdict(question, "not_an_equation")
    if not (isinstance(key, n.Relation) and key.ops == ("=",)):
        return verdict(question, "bad_key")
    if not _proportional(key, student):
        return verdict(question, "not_equivalent_equation")
    form = check_forms(question.form, student, key)
    if form is not None:
        detail = key.operands[0].name if isinstance(key.operands[0], n.Name) else ""
        return verdict(
            question, form, 0.5 if question.partial_credit else 0.0, detail=detail
        )
    return verdict(question, "correct", 1.0)


def _proportional(key: n.Relation, student: n.Relation) -> bool:
    """True if student's left−right is a non-zero constant multiple of the key's."""
    exact = Exact()
    try:
        a = exact(key.operands[0]) - exact(key.operands[1])
        b = exact(student.operands[0]) - exact(student.operands[1])
    except (EvalError, LimitError):
        return False
    if a.num.is_zero() or b.num.is_zero():
        return a.num.is_zero() and b.num.is_zero()
    mono, coefficient = next(iter(a.num.terms.items()))
    other = b.num.terms.get(mono)
    if other is None:
        return False
    scaled = b.num * Poly.const(coefficient / other)
    return (a.num - scaled).is_zero() and not exact.opaque

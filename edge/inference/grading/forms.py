"""Required forms: lowest terms, simplest radical, factored, expanded and more.

Each check looks at how the student wrote an answer already known to be
equivalent to the key, and returns the verdict code of the first rule it
breaks, or None.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import TypeGuard

from edge.inference.grading import nodes as n
from edge.inference.grading.algebra import (
    Poly,
    RatFunc,
    integer_content,
    squarefree_split,
)
from edge.inference.grading.errors import LimitError
from edge.inference.grading.evaluate import EvalError, Exact

FORMS = (
    "lowest_terms",
    "simplest_radical",
    "fraction",
    "fraction_not_decimal",
    "decimal",
    "percent",
    "scientific",
    "factored",
    "expanded",
    "explicit",
)
"""Form names a question's ``form`` may use (comma-separated for several)."""


def check_forms(forms: str | None, student: n.Node, key: n.Node) -> str | None:
    """The verdict code of the first required form the answer breaks, or None."""
    for form in (f.strip() for f in (forms or "").split(",")):
        check = _CHECKS.get(form)
        if check is not None and not check(student, key):
            return "form_" + _CODES.get(form, form)
    return None


def walk(node: n.Node) -> Iterator[n.Node]:
    """Every node of a tree, parents before children."""
    yield node
    match node:
        case (
            n.Neg(arg=a)
            | n.Paren(arg=a)
            | n.Sqrt(arg=a)
            | n.Percent(arg=a)
            | n.Degree(arg=a)
        ):
            yield from walk(a)
        case n.BinOp(left=left, right=right):
            yield from walk(left)
            yield from walk(right)
        case n.PlusMinus(left=left, right=right):
            if left is not None:
                yield from walk(left)
            yield from walk(right)
        case n.Tuple(items=items) | n.AnswerSet(items=items):
            for item in items:
                yield from walk(item)
        case n.Relation(operands=items):
            for item in items:
                yield from walk(item)
        case n.Quantity(value=value):
            yield from walk(value)


def _exact(node: n.Node) -> RatFunc | None:
    try:
        return Exact()(node)
    except (EvalError, LimitError):
        return None


# -- fractions ---------------------------------------------------------------


def lowest_terms(student: n.Node, key: n.Node) -> bool:
    """No fraction whose numerator and denominator share a factor."""
    for node in walk(student):
        if isinstance(node, n.BinOp) and node.op == "/" and not _fraction_reduced(node):
            return False
    return True


def _fraction_reduced(node: n.BinOp) -> bool:
    if any(isinstance(x, n.BinOp) and x.op == "/" for x in walk(node.left)):
        return False
    if any(isinstance(x, n.BinOp) and x.op == "/" for x in walk(node.right)):
        return False
    top, bottom = _exact(node.left), _exact(node.right)
    if top is None or bottom is None:
        return True
    num, den = top.num, bottom.num
    if den.rational() in (Fraction(1), Fraction(-1)):
        return False
    if not _integral(num) or not _integral(den):
        return True
    if math.gcd(integer_content(num).numerator, integer_content(den).numerator) > 1:
        return False
    return not _common_factor(num, den)


def _integral(poly: Poly) -> bool:
    return all(c.denominator == 1 for c in poly.terms.values()) and not any(
        s.startswith("√") for mono in poly.terms for s, _ in mono
    )


def _common_factor(a: Poly, b: Poly) -> bool:
    """True if two integral polynomials share a non-constant factor.

    Other variables are replaced by random integers and the gcd of the
    resulting one-variable polynomials is found by Euclid's algorithm; a
    shared factor survives the substitution, a chance one almost never does.
    """
    symbols = sorted(a.symbols() & b.symbols())
    rng = random.Random(7)
    for main in symbols:
        rounds = [_gcd_degree(a, b, main, rng) for _ in range(2)]
        if min(rounds) > 0:
            return True
    return False


def _gcd_degree(a: Poly, b: Poly, main: str, rng: random.Random) -> int:
    values = {s: Fraction(rng.randint(3, 997)) for s in a.symbols() | b.symbols()}
    p, q = _univariate(a, main, values), _univariate(b, main, values)
    while q:
        p, q = q, _remainder(p, q)
    return len(p) - 1


def _univariate(poly: Poly, main: str, values: dict[str, Fraction]) -> list[Fraction]:
    coeffs = [Fraction(0)] * (poly.degree(main) + 1)
    for mono, coef in poly.terms.items():
        power, term = 0, coef
        for symbol, exp in mono:
            if symbol == main:
                power = exp
            else:
                term *= values[symbol] ** exp
        coeffs[power] += term
    return _trim(coeffs)


def _trim(coeffs: list[Fraction]) -> list[Fraction]:
    while coeffs and coeffs[-1] == 0:
        coeffs.pop()
    return coeffs


def _remainder(p: list[Fraction], q: list[Fraction]) -> list[Fraction]:
    p = list(p)
    while p and len(p) >= len(q):
        factor = p[-1] / q[-1]
        shift = len(p) - len(q)
        for i, c in enumerate(q):
            p[shift + i] -= factor * c
        p = _trim(p)
    return p


def fraction_not_decimal(student: n.Node, key: n.Node) -> bool:
    """No decimal numbers."""
    return not any(isinstance(x, n.Num) and x.is_decimal for x in walk(student))


def decimal(student: n.Node, key: n.Node) -> bool:
    """A plain (possibly negative) decimal or integer."""
    node = student.arg if isinstance(student, n.Neg) else student
    return isinstance(node, n.Num)


def percent(student: n.Node, key: n.Node) -> bool:
    """A percentage."""
    node = student.arg if isinstance(student, n.Neg) else student
    return isinstance(node, n.Percent)


def scientific(student: n.Node, key: n.Node) -> bool:
    """a×10^n with 1 ≤ |a| < 10 and n a whole number."""
    node = student.arg if isinstance(student, n.Neg) else student
    if not (isinstance(node, n.BinOp) and node.op == "*"):
        return False
    mantissa, power = node.left, node.right
    if not (isinstance(mantissa, n.Num) and 1 <= mantissa.value < 10):
        return False
    if not (isinstance(power, n.BinOp) and power.op == "^"):
        return False
    exponent = power.right.arg if isinstance(power.right, n.Paren) else power.right
    exponent = exponent.arg if isinstance(exponent, n.Neg) else exponent
    return (
        isinstance(power.left, n.Num)
        and power.left.value == 10
        and isinstance(exponent, n.Num)
        and exponent.value.denominator == 1
    )


# -- radicals ----------------------------------------------------------------


def simplest_radical(student: n.Node, key: n.Node) -> bool:
    """Radicands are square-free integers or polynomials; no root in a denominator."""
    for node in walk(student):
        if isinstance(node, n.Sqrt) and not _simple_radicand(node.arg):
            return False
        if isinstance(node, n.BinOp) and node.op == "^" and not _whole(node.right):
            return False
        if _is_division(node) and any(isinstance(x, n.Sqrt) for x in walk(node.right)):
            return False
    return True


def _whole(node: n.Node) -> bool:
    value = _exact(node)
    rational = value.rational() if value is not None else None
    return rational is not None and rational.denominator == 1


def _is_division(node: n.Node) -> TypeGuard[n.BinOp]:
    return isinstance(node, n.BinOp) and node.op == "/"


def _simple_radicand(arg: n.Node) -> bool:
    value = _exact(arg)
    if value is None or value.den.rational() is None or value.den.rational() != 1:
        return False
    if any(isinstance(x, n.Sqrt) for x in walk(arg)):
        return False
    poly = value.num
    rational = poly.rational()
    if rational is not None:
        return (
            rational.denominator == 1
            and rational > 1
            and _squarefree(rational.numerator)
        )
    if not _integral(poly):
        return False
    if not _squarefree(integer_content(poly).numerator):
        return False
    return not (len(poly.terms) == 1 and any(e >= 2 for m in poly.terms for _, e in m))


def _squarefree(value: int) -> bool:
    try:
        return squarefree_split(abs(value))[0] == 1
    except LimitError:
        return True


# -- polynomial forms ----------------------------------------------------------


def _product_factors(node: n.Node) -> Iterator[tuple[n.Node, int]]:
    """Factors of a written product, with their integer powers."""
    match node:
        case n.Neg(arg=a) | n.Paren(arg=a):
            yield from _product_factors(a)
        case n.BinOp(op="*", left=left, right=right):
            yield from _product_factors(left)
            yield from _product_factors(right)
        case n.BinOp(op="^", left=base, right=n.Num(value=power)) if (
            power.denominator == 1
        ):
            for factor, times in _product_factors(base):
                yield factor, times * int(power)
        case _:
            yield node, 1


def _factor_count(node: n.Node) -> int | None:
    """How many non-constant factors a written product has, or None if not a product."""
    count = 0
    for factor, times in _product_factors(node):
        value = _exact(factor)
        if value is None or value.den.rational() is None:
            return None
        if value.num.rational() is not None:
            continue
        if value.num.symbols() and integer_content(value.num) != 1:
            return None
        count += times
    return count


def factored(student: n.Node, key: n.Node) -> bool:
    """As many primitive non-constant factors as the (fully factored) key."""
    student_count, key_count = _factor_count(student), _factor_count(key)
    if key_count is None:
        return True
    return student_count is not None and student_count >= key_count


def _sum_terms(node: n.Node) -> Iterator[n.Node]:
    match node:
        case n.BinOp(op="+" | "-", left=left, right=right):
            yield from _sum_terms(left)
            yield from _sum_terms(right)
        case n.Neg(arg=a):
            yield from _sum_terms(a)
        case _:
            yield node


def _is_monomial(node: n.Node) -> bool:
    for part in walk(node):
        if isinstance(part, n.Paren | n.Sqrt) and _exact(part) is not None:
            value = _exact(part)
            if value is not None and value.symbols():
                return False
        if isinstance(part, n.BinOp) and part.op == "/":
            value = _exact(part.right)
            if value is None or value.symbols():
                return False
    return True


def expanded(student: n.Node, key: n.Node) -> bool:
    """A sum of monomials with like terms collected."""
    terms = list(_sum_terms(student))
    if not all(_is_monomial(t) for t in terms):
        return False
    value = _exact(student)
    return value is None or len(terms) <= max(len(value.num.terms), 1)


def explicit(student: n.Node, key: n.Node) -> bool:
    """An equation written as ``name = expression`` like the key."""
    if not (isinstance(key, n.Relation) and isinstance(key.operands[0], n.Name)):
        return True
    return isinstance(student, n.Relation) and student.operands[0] == key.operands[0]


_CHECKS: dict[str, Callable[[n.Node, n.Node], bool]] = {
    "lowest_terms": lowest_terms,
    "simplest_radical": simplest_radical,
    "fraction": fraction_not_decimal,
    "fraction_not_decimal": fraction_not_decimal,
    "decimal": decimal,
    "percent": percent,
    "scientific": scientific,
    "factored": factored,
    "expanded": expanded,
    "explicit": explicit,
}
_CODES = {"fraction_not_decimal": "fraction"}

"""Turning a syntax tree into exact values or numbers at sample points.

``exact`` gives a rational function over Q(√k), using opaque symbols for the
few constructs that have no exact form here (roots of variables, symbolic
exponents). ``numeric`` evaluates with complex floats, which is how answers
are compared at random points, and never raises anything but EvalError.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Mapping
from fractions import Fraction

from edge.inference.grading import nodes as n
from edge.inference.grading.algebra import MAX_POWER, Poly, RatFunc, reset_work
from edge.inference.grading.errors import LimitError

MAX_ALTERNATIVES = 16
"""Most values a ± expansion may stand for (four ± signs)."""


class EvalError(ArithmeticError):
    """An expression has no value here (division by zero, overflow)."""


class Exact:
    """Converts trees to exact rational functions; remembers opaque parts."""

    def __init__(self) -> None:
        self.opaque = False

    def __call__(self, node: n.Node) -> RatFunc:
        reset_work()
        try:
            return self._walk(node)
        except ZeroDivisionError as exc:
            raise EvalError("division by zero") from exc

    def _walk(self, node: n.Node) -> RatFunc:
        match node:
            case n.Num(value=value):
                return RatFunc(Poly.const(value))
            case n.Name(name=name):
                return RatFunc(Poly.symbol(name))
            case n.Pi():
                return RatFunc(Poly.symbol("π"))
            case n.Neg(arg=arg):
                return -self._walk(arg)
            case n.Paren(arg=arg) | n.Degree(arg=arg):
                return self._walk(arg)
            case n.Percent(arg=arg):
                return self._walk(arg) / RatFunc(Poly.const(100))
            case n.Sqrt(arg=arg):
                return self._sqrt(self._walk(arg))
            case n.BinOp(op="^", left=left, right=right):
                return self._power(self._walk(left), self._walk(right))
            case n.BinOp(op=op, left=left, right=right):
                a, b = self._walk(left), self._walk(right)
                return {"+": a.__add__, "-": a.__sub__, "*": a.__mul__}.get(
                    op, a.__truediv__
                )(b)
        raise EvalError(f"not an expression: {type(node).__name__}")

    def _sqrt(self, value: RatFunc) -> RatFunc:
        rational = value.rational()
        if rational is not None and rational >= 0:
            return RatFunc(Poly.sqrt_of(rational))
        if rational is not None:
            raise EvalError("square root of a negative number")
        return self._opaque("√", value)

    def _power(self, base: RatFunc, exponent: RatFunc) -> RatFunc:
        value = exponent.rational()
        if value is not None and value.denominator == 1:
            if abs(value) > MAX_POWER and not _small_power(base, int(value)):
                raise LimitError("the answer has too large an exponent", "指数过大")
            return base.power(int(value))
        if value is not None and value.denominator == 2:
            root = self._sqrt(base)
            return root.power(int(value.numerator))
        return self._opaque("^", base, exponent)

    def _opaque(self, kind: str, *parts: RatFunc) -> RatFunc:
        self.opaque = True
        key = kind + repr(
            [(sorted(p.num.terms.items()), sorted(p.den.terms.items())) for p in parts]
        )
        return RatFunc(Poly.symbol(key))


def _small_power(base: RatFunc, exponent: int) -> bool:
    """True when a rational constant to this power stays a manageable number."""
    value = base.rational()
    if value is None:
        return False
    bits = max(value.numerator.bit_length(), value.denominator.bit_length())
    return bits * abs(exponent) <= 4096


def numeric(node: n.Node, env: Mapping[str, complex]) -> complex:
    """The complex value of an expression with the variables in ``env``."""
    try:
        value = _num(node, env)
    except (ZeroDivisionError, OverflowError, ValueError, KeyError) as exc:
        raise EvalError(str(exc)) from exc
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        raise EvalError("value is not finite")
    return value


def _num(node: n.Node, env: Mapping[str, complex]) -> complex:
    match node:
        case n.Num(value=value):
            return complex(float(value))
        case n.Name(name=name):
            return env[name]
        case n.Pi():
            return complex(math.pi)
        case n.Neg(arg=arg):
            return -_num(arg, env)
        case n.Paren(arg=arg) | n.Degree(arg=arg):
            return _num(arg, env)
        case n.Percent(arg=arg):
            return _num(arg, env) / 100
        case n.Sqrt(arg=arg):
            return cmath.sqrt(_num(arg, env))
        case n.BinOp(op=op, left=left, right=right):
            return _binary(op, _num(left, env), _num(right, env))
    raise EvalError(f"not an expression: {type(node).__name__}")


def _binary(op: str, a: complex, b: complex) -> complex:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if b.imag == 0 and b.real.is_integer() and abs(b.real) <= 4096:
        return a ** int(b.real)
    if abs(b) > 4096:
        raise OverflowError("exponent too large")
    return a**b


def alternatives(node: n.Node) -> list[n.Node]:
    """The values a ± stands for, as separate trees (one tree without ±)."""
    match node:
        case n.PlusMinus(left=None, right=right):
            return _bounded(
                [n.Neg(r) for r in alternatives(right)] + alternatives(right)
            )
        case n.PlusMinus(left=left, right=right) if left is not None:
            rs = alternatives(right)
            return _bounded(
                [
                    n.BinOp(op, a, r)
                    for a in alternatives(left)
                    for op in "+-"
                    for r in rs
                ]
            )
        case (
            n.Neg(arg=arg)
            | n.Paren(arg=arg)
            | n.Sqrt(arg=arg)
            | n.Percent(arg=arg)
            | n.Degree(arg=arg)
        ):
            return [type(node)(a) for a in alternatives(arg)]
        case n.BinOp(op=op, left=left, right=right, implicit=implicit):
            return _bounded(
                [
                    n.BinOp(op, a, b, implicit)
                    for a in alternatives(left)
                    for b in alternatives(right)
                ]
            )
    return [node]


def _bounded(items: list[n.Node]) -> list[n.Node]:
    if len(items) > MAX_ALTERNATIVES:
        raise LimitError("the answer has too many ± signs", "±号过多")
    return items


def rational_value(node: n.Node) -> Fraction | None:
    """The exact rational value of a constant expression, or None."""
    try:
        value = Exact()(node)
    except (EvalError, LimitError):
        return None
    return value.rational()

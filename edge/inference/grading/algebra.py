"""Exact arithmetic on polynomials and rational functions over Q(√k).

A polynomial maps monomials to rational coefficients. A monomial is a sorted
tuple of (symbol, exponent); a square root of a square-free integer k is the
symbol ``√k`` with exponent 1. Square roots of distinct square-free integers
are linearly independent over Q, so a polynomial is zero exactly when every
coefficient is: equality tests are exact, not numeric.

Every operation has a work bound so that no answer can keep the grader busy.
"""

from __future__ import annotations

import cmath
import contextvars
import math
from collections.abc import Mapping
from fractions import Fraction
from functools import lru_cache

from edge.inference.grading.errors import LimitError

Mono = tuple[tuple[str, int], ...]

MAX_TERMS = 1000
"""Most terms a polynomial may have; (x+y)^40 has 41, a fill-in box far fewer."""
MAX_WORK = 20_000
"""Most term products one multiplication may form (about 50 ms)."""
MAX_TOTAL_WORK = 60_000
"""Most term products one comparison may form in all."""
MAX_BITS = 4096
"""Largest numerator or denominator, in bits, of any coefficient."""
MAX_POWER = 64
"""Largest exponent expanded for a non-constant base."""
MAX_RADICAND = 10**8
"""Largest integer whose square-free part is found by trial division."""

_ONE: Mono = ()


def _limit(what: str, what_zh: str) -> LimitError:
    return LimitError(f"the answer is too large to compare exactly ({what})", what_zh)


_work: contextvars.ContextVar[list[int]] = contextvars.ContextVar("work")


def reset_work() -> None:
    """Start a new work budget for the current comparison."""
    _work.set([0])


def _charge(products: int) -> None:
    spent = _work.get(None)
    if spent is None:
        spent = [0]
        _work.set(spent)
    spent[0] += products
    if products > MAX_WORK or spent[0] > MAX_TOTAL_WORK:
        raise _limit("product size", "乘积过大")


@lru_cache(maxsize=1024)
def squarefree_split(value: int) -> tuple[int, int]:
    """(s, k) with value = s²·k and k square-free; value must be positive."""
    if value > MAX_RADICAND:
        raise _limit("radicand", "被开方数过大")
    outside, inside = 1, 1
    rest = value
    p = 2
    while p * p <= rest:
        count = 0
        while rest % p == 0:
            rest //= p
            count += 1
        outside *= p ** (count // 2)
        inside *= p ** (count % 2)
        p += 1 if p == 2 else 2
    return outside, inside * rest


def _mono_mul(a: Mono, b: Mono) -> tuple[int, Mono]:
    """Product of two monomials as (integer factor, monomial)."""
    powers = dict(a)
    factor = 1
    for symbol, exp in b:
        if symbol.startswith("√") and symbol in powers:
            del powers[symbol]
            factor *= int(symbol[1:])
            continue
        powers[symbol] = powers.get(symbol, 0) + exp
    radicals = [s for s in powers if s.startswith("√")]
    if len(radicals) > 1:
        product = 1
        for s in radicals:
            product *= int(s[1:])
            del powers[s]
        outside, inside = squarefree_split(product)
        factor *= outside
        if inside > 1:
            powers[f"√{inside}"] = 1
    return factor, tuple(sorted((s, e) for s, e in powers.items() if e))


def _check_coefficient(value: Fraction) -> Fraction:
    if (
        value.numerator.bit_length() > MAX_BITS
        or value.denominator.bit_length() > MAX_BITS
    ):
        raise _limit("number size", "数值过大")
    return value


class Poly:
    """A polynomial with rational coefficients over variables and square roots."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict[Mono, Fraction]) -> None:
        if len(terms) > MAX_TERMS:
            raise _limit("number of terms", "项数过多")
        self.terms = {m: c for m, c in terms.items() if c}

    @classmethod
    def const(cls, value: Fraction | int) -> Poly:
        """The constant polynomial ``value``."""
        return cls({_ONE: _check_coefficient(Fraction(value))})

    @classmethod
    def symbol(cls, name: str) -> Poly:
        """The polynomial consisting of one variable or opaque symbol."""
        return cls({((name, 1),): Fraction(1)})

    @classmethod
    def sqrt_of(cls, value: Fraction) -> Poly:
        """√value for a non-negative rational, in simplest radical form."""
        outside, inside = squarefree_split(value.numerator * value.denominator)
        coefficient = Fraction(outside, value.denominator)
        if inside == 1:
            return cls.const(coefficient)
        return cls({((f"√{inside}", 1),): coefficient})

    def __add__(self, other: Poly) -> Poly:
        terms = dict(self.terms)
        for mono, coef in other.terms.items():
            terms[mono] = _check_coefficient(terms.get(mono, Fraction(0)) + coef)
        return Poly(terms)

    def __neg__(self) -> Poly:
        return Poly({m: -c for m, c in self.terms.items()})

    def __sub__(self, other: Poly) -> Poly:
        return self + (-other)

    def __mul__(self, other: Poly) -> Poly:
        _charge(len(self.terms) * len(other.terms))
        terms: dict[Mono, Fraction] = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in other.terms.items():
                factor, mono = _mono_mul(m1, m2)
                terms[mono] = terms.get(mono, Fraction(0)) + c1 * c2 * factor
                if len(terms) > MAX_TERMS:
                    raise _limit("number of terms", "项数过多")
        return Poly({m: _check_coefficient(c) for m, c in terms.items()})

    def power(self, exponent: int) -> Poly:
        """self to a non-negative integer power, by repeated squaring."""
        if exponent > MAX_POWER and not self.is_constant_rational():
            raise _limit("exponent", "指数过大")
        result, base = Poly.const(1), self
        while exponent:
            if exponent & 1:
                result = result * base
            exponent >>= 1
            if exponent:
                base = base * base
        return result

    def is_zero(self) -> bool:
        """True if every coefficient is zero."""
        return not self.terms

    def rational(self) -> Fraction | None:
        """The value if this is a rational constant, else None."""
        if not self.terms:
            return Fraction(0)
        if len(self.terms) == 1 and _ONE in self.terms:
            return self.terms[_ONE]
        return None

    def is_constant_rational(self) -> bool:
        """True for a rational constant (no variables, no roots)."""
        return self.rational() is not None

    def symbols(self) -> set[str]:
        """Every variable and opaque symbol, without square roots of integers."""
        return {s for mono in self.terms for s, _ in mono if not s.startswith("√")}

    def degree(self, symbol: str) -> int:
        """Highest exponent of ``symbol``."""
        return max(
            (e for mono in self.terms for s, e in mono if s == symbol), default=0
        )

    def evaluate(self, env: Mapping[str, complex]) -> complex:
        """The value with variables from ``env`` (square roots evaluated too)."""
        total = 0j
        for mono, coef in self.terms.items():
            term = complex(float(coef))
            for symbol, exp in mono:
                base = (
                    cmath.sqrt(int(symbol[1:]))
                    if symbol.startswith("√")
                    else env[symbol]
                )
                term *= base**exp
            total += term
        return total

    def __repr__(self) -> str:
        return f"Poly({self.terms!r})"


class RatFunc:
    """A quotient of two polynomials; kept unreduced, compared by cross-multiplying."""

    __slots__ = ("den", "num")

    def __init__(self, num: Poly, den: Poly | None = None) -> None:
        self.num = num
        self.den = den if den is not None else Poly.const(1)
        if self.den.is_zero():
            raise ZeroDivisionError("denominator is zero")

    def __add__(self, other: RatFunc) -> RatFunc:
        if self.den.terms == other.den.terms:
            return RatFunc(self.num + other.num, self.den)
        return RatFunc(
            self.num * other.den + other.num * self.den, self.den * other.den
        )

    def __neg__(self) -> RatFunc:
        return RatFunc(-self.num, self.den)

    def __sub__(self, other: RatFunc) -> RatFunc:
        return self + (-other)

    def __mul__(self, other: RatFunc) -> RatFunc:
        return RatFunc(self.num * other.num, self.den * other.den)

    def __truediv__(self, other: RatFunc) -> RatFunc:
        if other.num.is_zero():
            raise ZeroDivisionError("division by zero")
        return RatFunc(self.num * other.den, self.den * other.num)

    def power(self, exponent: int) -> RatFunc:
        """self to an integer power; negative powers invert."""
        if exponent < 0:
            return RatFunc(self.den.power(-exponent), self.num.power(-exponent))
        return RatFunc(self.num.power(exponent), self.den.power(exponent))

    def equals(self, other: RatFunc) -> bool:
        """Exact equality as rational functions."""
        return (self.num * other.den - other.num * self.den).is_zero()

    def rational(self) -> Fraction | None:
        """The value if this is a rational constant, else None."""
        num, den = self.num.rational(), self.den.rational()
        if num is None or den is None:
            return None
        return num / den

    def symbols(self) -> set[str]:
        """Variables and opaque symbols in numerator or denominator."""
        return self.num.symbols() | self.den.symbols()

    def evaluate(self, env: Mapping[str, complex]) -> complex:
        """The value at a point; raises ZeroDivisionError where undefined."""
        return self.num.evaluate(env) / self.den.evaluate(env)


def integer_content(poly: Poly) -> Fraction:
    """The gcd of a polynomial's coefficients (as a positive rational)."""
    nums = [abs(c.numerator) for c in poly.terms.values()]
    dens = [c.denominator for c in poly.terms.values()]
    if not nums:
        return Fraction(0)
    return Fraction(math.gcd(*nums), math.lcm(*dens))

"""The syntax tree of an answer in linear answer notation.

The parser builds these nodes; evaluation, form checks and comparisons walk
them. Numbers keep their literal text because significant figures and the
"fraction, not decimal" rule depend on how a number was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Num:
    """A number literal such as ``3``, ``0.25`` or ``.5``; value is exact."""

    value: Fraction
    literal: str

    @property
    def is_decimal(self) -> bool:
        """True if written with a decimal point."""
        return "." in self.literal


@dataclass(frozen=True, slots=True)
class Name:
    """A variable: one letter, possibly with a subscript (``x_1``)."""

    name: str

    @property
    def base(self) -> str:
        """The letter without its subscript."""
        return self.name.split("_", 1)[0]


@dataclass(frozen=True, slots=True)
class Pi:
    """The constant π."""


@dataclass(frozen=True, slots=True)
class Neg:
    """Unary minus."""

    arg: Node


@dataclass(frozen=True, slots=True)
class PlusMinus:
    """``±a`` or ``a ± b``: stands for two values."""

    left: Node | None
    right: Node


@dataclass(frozen=True, slots=True)
class BinOp:
    """``+ - * / ^``; ``implicit`` marks multiplication written by juxtaposition."""

    op: str
    left: Node
    right: Node
    implicit: bool = False


@dataclass(frozen=True, slots=True)
class Sqrt:
    """The square root ``√``."""

    arg: Node


@dataclass(frozen=True, slots=True)
class Percent:
    """``a%``, the number a/100."""

    arg: Node


@dataclass(frozen=True, slots=True)
class Degree:
    """``a°``, an angle in degrees; its value is a."""

    arg: Node


@dataclass(frozen=True, slots=True)
class Paren:
    """Parentheses the student wrote; kept for form checks only."""

    arg: Node


@dataclass(frozen=True, slots=True)
class Tuple:
    """A coordinate pair or tuple ``(a, b)``."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Relation:
    """A chain such as ``x=2``, ``-1<x<2`` or ``x≠1``."""

    ops: tuple[str, ...]
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Word:
    """A word from the closed vocabulary, such as 无解 (no solution)."""

    text: str


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit as written: factors of (student symbol, exponent)."""

    factors: tuple[tuple[str, int], ...]

    def __str__(self) -> str:
        parts = [s if e == 1 else f"{s}^{e}" for s, e in self.factors if e > 0]
        under = [s if e == -1 else f"{s}^{-e}" for s, e in self.factors if e < 0]
        top = "*".join(parts) or "1"
        return top + "".join(f"/{u}" for u in under)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with a unit, such as ``3.6km/h``; ``unit`` is None when omitted."""

    value: Node
    unit: Unit | None


@dataclass(frozen=True, slots=True)
class AnswerSet:
    """Several answers joined by 或 (``any``), 且 (``all``) or a comma (``list``)."""

    joiner: str
    items: tuple[Node, ...]


Node = (
    Num
    | Name
    | Pi
    | Neg
    | PlusMinus
    | BinOp
    | Sqrt
    | Percent
    | Degree
    | Paren
    | Tuple
    | Relation
    | Word
    | Quantity
    | AnswerSet
)

"""Tokens of the linear answer notation, over a closed set.

Anything outside the set is refused with the character and its position, so
no student text ever reaches an evaluator: the parser only sees these tokens.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass

from edge.inference.grading.errors import AnswerSyntaxError


class Tok(enum.Enum):
    """Kinds of token."""

    NUMBER = "number"
    NAME = "name"
    PI = "pi"
    OP = "op"
    PM = "±"
    LPAREN = "("
    RPAREN = ")"
    REL = "relation"
    SQRT = "√"
    PERCENT = "%"
    DEGREE = "°"
    COMMA = ","
    OR = "或"
    AND = "且"
    WORD = "word"
    UNIT = "unit"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text and its offset in the normalised answer."""

    kind: Tok
    text: str
    pos: int


_SINGLE = {
    "+": Tok.OP,
    "-": Tok.OP,
    "*": Tok.OP,
    "/": Tok.OP,
    "^": Tok.OP,
    "±": Tok.PM,
    "(": Tok.LPAREN,
    ")": Tok.RPAREN,
    "=": Tok.REL,
    "<": Tok.REL,
    ">": Tok.REL,
    "≤": Tok.REL,
    "≥": Tok.REL,
    "≠": Tok.REL,
    "≈": Tok.REL,
    "√": Tok.SQRT,
    "%": Tok.PERCENT,
    "°": Tok.DEGREE,
    ",": Tok.COMMA,
    ";": Tok.COMMA,
    "或": Tok.OR,
    "且": Tok.AND,
    "π": Tok.PI,
}

WORDS = ("原方程无解", "无实数解", "无解", "不存在", "和", "or", "and")
"""Chinese and English words the math notation admits besides symbols."""

_WORD_KINDS = {"和": Tok.COMMA, "or": Tok.OR, "and": Tok.AND}
_GREEK = "αβγθρησλμω"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + _GREEK)


def tokenize(text: str, units: Collection[str] | None = None) -> list[Token]:
    """Tokens of normalised answer text; with ``units``, letters are unit symbols."""
    tokens: list[Token] = []
    pos = 0
    longest_unit = max((len(u) for u in units), default=0) if units else 0
    while pos < len(text):
        token = _next_token(text, pos, units, longest_unit)
        tokens.append(token)
        pos += len(token.text)
    return tokens


def _next_token(
    text: str, pos: int, units: Collection[str] | None, longest_unit: int
) -> Token:
    ch = text[pos]
    if ch.isdigit() or (ch == "." and text[pos + 1 : pos + 2].isdigit()):
        return _number(text, pos)
    for word in WORDS:
        if text.startswith(word, pos) and not (units and word in ("or", "and")):
            return Token(_WORD_KINDS.get(word, Tok.WORD), word, pos)
    if units is not None and ch in "xX" and text[pos + 1 : pos + 2].isdigit():
        # Without variables, "3x10^5" can only mean 3×10^5.
        return Token(Tok.OP, ch, pos)
    if units is not None:
        unit = _unit(text, pos, units, longest_unit)
        if unit is not None:
            return unit
    kind = _SINGLE.get(ch)
    if kind is not None:
        return Token(kind, ch, pos)
    if ch in _NAME_CHARS and units is None:
        return _name(text, pos)
    if ch.isalpha() and units is not None:
        raise AnswerSyntaxError(
            f"unknown unit at {text[pos : pos + 6]!r}",
            f"无法识别的单位：{text[pos : pos + 6]}",
            pos,
        )
    raise AnswerSyntaxError(
        f"unexpected symbol {ch!r} at position {pos + 1}",
        f"第{pos + 1}个字符“{ch}”无法识别",
        pos,
    )


def _number(text: str, pos: int) -> Token:
    end = pos
    while end < len(text) and text[end].isdigit():
        end += 1
    if end < len(text) and text[end] == ".":
        end += 1
        start = end
        while end < len(text) and text[end].isdigit():
            end += 1
        if end == start:
            raise AnswerSyntaxError(
                f"a decimal point needs digits after it (position {end})",
                f"小数点后缺少数字（第{end}个字符）",
                end - 1,
            )
        if end < len(text) and text[end] == ".":
            raise AnswerSyntaxError(
                f"a number has two decimal points (position {end + 1})",
                f"数中有两个小数点（第{end + 1}个字符）",
                end,
            )
    return Token(Tok.NUMBER, text[pos:end], pos)


def _name(text: str, pos: int) -> Token:
    end = pos + 1
    if end + 1 < len(text) and text[end] == "_" and text[end + 1].isdigit():
        end += 1
        while end < len(text) and text[end].isdigit():
            end += 1
    return Token(Tok.NAME, text[pos:end], pos)


def _unit(text: str, pos: int, units: Collection[str], longest: int) -> Token | None:
    """The longest unit symbol at ``pos``, or None."""
    for size in range(min(longest, len(text) - pos), 0, -1):
        candidate = text[pos : pos + size]
        if candidate in units:
            return Token(Tok.UNIT, candidate, pos)
    return None

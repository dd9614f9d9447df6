"""Layout tree plus chosen symbols to linear answer notation.

Superscripts are found by geometry along each line of the tree (the main
line, a numerator, a denominator, a radicand); the text is then written with
``/`` for a stacked fraction, ``√`` with brackets around more than one symbol,
and ``^`` for an exponent (``²`` and ``³`` after a unit in quantities).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from edge.inference.recognition.segment import Box, Fraction, Node, Radical, Symbol

_OPERATOR_CHARS = frozenset("+-×÷=/<>±≤≥≠,")
_UNIT_LETTERS = frozenset("mgsLNJWPaVhkzHdct")
_NO_RAISE = frozenset("°.")
# Small letters of some hands are 0.4 line heights tall and still carry exponents;
# a minus, a dot or a degree sign is lower than this and never does.
_BASE_MIN = 0.33
# A root or exponent over one number or letter needs no brackets (√31, 10^-5).
_ATOM = re.compile(r"\d+(\.\d+)?|[A-Za-z]")
_SIGNED_ATOM = re.compile(r"-?(\d+(\.\d+)?|[A-Za-z])")
_DESCENDERS = frozenset("gy")
# Relations and binary operators do not begin an exponent.
_NEVER_STARTS = frozenset("=+×÷<>±/≤≥≠,")
_TALL = frozenset("()/")


@dataclass(frozen=True, slots=True)
class Line:
    """Nodes of one line with a superscript flag for each."""

    nodes: tuple[Node, ...]
    raised: tuple[bool, ...]


def _height(box: Box) -> float:
    return box[3] - box[1]


def _is_raised(box: Box, base: Box, flat: bool, ref: float) -> bool:
    """Whether ``box`` sits as an exponent of ``base``."""
    h = _height(base)
    if flat:
        # A minus sits at the maths axis, half a line up; an exponent's is higher.
        return base[3] - (box[1] + box[3]) / 2 > 0.68 * max(h, ref)
    # Exponents of small letters can be as tall as the letter; an exponent
    # reaches at least the top of its base, an "=" after a "y" does not.
    lifted = base[3] - box[3] > 0.45 * h
    high = box[1] < base[1] + 0.1 * h
    # Ink wholly above the base is an exponent even when written large.
    above = box[3] < base[1] + 0.1 * h
    return lifted and high and (_height(box) < 1.6 * h or above)


def _continues_exponent(box: Box, base: Box) -> bool:
    """Whether ``box``, after an exponent, still belongs to it."""
    return box[3] < base[1] + 0.7 * _height(base) and _height(box) < _height(base)


def body_box(box: Box, symbol: str | None) -> Box:
    """The part of a symbol's box between its base line and its top.

    A descender (g, y) hangs below the base line and brackets reach past
    both lines; exponents are judged against the body, not the ink.
    """
    x0, y0, x1, y1 = box
    h = y1 - y0
    if symbol in _DESCENDERS:
        return x0, y0, x1, y0 + 0.62 * h
    if symbol in _TALL:
        return x0, y0 + 0.12 * h, x1, y1 - 0.12 * h
    return box


def line_roles(
    nodes: Sequence[Node],
    ref: float,
    flat: Sequence[bool],
    symbols: Sequence[str | None],
) -> Line:
    """Mark which nodes of a line are raised as exponents."""
    raised: list[bool] = []
    base: Box | None = None
    in_exponent = False
    before: str | None = None
    for node, is_flat, symbol in zip(nodes, flat, symbols, strict=True):
        box = body_box(node.box, symbol)
        # Only an operand (a number, a letter, a bracket) carries an exponent.
        operand = before not in _NEVER_STARTS and before != "-"
        starts = (
            symbol not in _NEVER_STARTS
            and operand
            and _is_raised(box, base, is_flat, ref)
            if base
            else False
        )
        up = base is not None and (
            starts
            or (
                in_exponent
                and _continues_exponent(box, base)
                and (not is_flat or _is_raised(box, base, True, ref))
            )
        )
        raised.append(up)
        in_exponent = up
        before = symbol if isinstance(node, Symbol) else ")"
        if not up and (
            _height(box) >= _BASE_MIN * ref or isinstance(node, Fraction | Radical)
        ):
            base = box
    return Line(tuple(nodes), tuple(raised))


def slots(nodes: Sequence[Node]) -> list[Symbol]:
    """Every symbol of the tree in reading order (the classifier's batch)."""
    found: list[Symbol] = []
    for node in nodes:
        if isinstance(node, Symbol):
            found.append(node)
        elif isinstance(node, Fraction):
            found.extend(slots(node.numerator))
            found.extend(slots(node.denominator))
        else:
            found.extend(slots(node.body))
    return found


class Renderer:
    """Writes the text of a tree for one choice of symbol per slot."""

    def __init__(self, lines: dict[int, Line], quantity: bool) -> None:
        self.lines = lines
        self.quantity = quantity

    def text(self, nodes: Sequence[Node], chosen: dict[int, str]) -> str:
        """Linear notation of ``nodes`` with ``chosen`` symbols (by node id)."""
        out = self._line(nodes, chosen)
        return out.replace("°C", "℃")

    def _line(self, nodes: Sequence[Node], chosen: dict[int, str]) -> str:
        line = self.lines[id(nodes)]
        parts: list[str] = []
        exponent: list[str] = []
        for node, up in zip(line.nodes, line.raised, strict=True):
            piece = self._node(node, chosen)
            if up and piece not in _NO_RAISE:
                exponent.append(piece)
                continue
            if exponent:
                parts.append(self._exponent("".join(exponent), parts))
                exponent = []
            parts.append(piece)
        if exponent:
            parts.append(self._exponent("".join(exponent), parts))
        return "".join(parts)

    def _node(self, node: Node, chosen: dict[int, str]) -> str:
        if isinstance(node, Symbol):
            return chosen[id(node)]
        if isinstance(node, Fraction):
            top = self._line(node.numerator, chosen)
            bottom = self._line(node.denominator, chosen)
            return f"{_wrap(top, 1)}/{_wrap(bottom, 0)}"
        body = self._line(node.body, chosen)
        return f"√{body}" if _ATOM.fullmatch(body) else f"√({body})"

    def _exponent(self, power: str, before: list[str]) -> str:
        after_unit = bool(before) and before[-1][-1:] in _UNIT_LETTERS
        if self.quantity and after_unit and power in {"2", "3"}:
            return "²" if power == "2" else "³"
        return f"^{power}" if _SIGNED_ATOM.fullmatch(power) else f"^({power})"


def _wrap(text: str, skip: int) -> str:
    """``text`` in brackets if an operator appears past its first ``skip`` chars."""
    if any(c in _OPERATOR_CHARS for c in text[skip:]):
        return f"({text})"
    return text


def build_lines(
    nodes: Sequence[Node],
    ref: float,
    flat_ids: set[int],
    likely: dict[int, str] | None = None,
) -> dict[int, Line]:
    """Superscript roles of every line in the tree, keyed by the line's id.

    ``likely`` gives the most probable symbol of each Symbol node (by id).
    """
    lines: dict[int, Line] = {}
    known = likely or {}

    def visit(seq: Sequence[Node]) -> None:
        flat = [id(n) in flat_ids for n in seq]
        lines[id(seq)] = line_roles(seq, ref, flat, [known.get(id(n)) for n in seq])
        for n in seq:
            if isinstance(n, Fraction):
                visit(n.numerator)
                visit(n.denominator)
            elif isinstance(n, Radical):
                visit(n.body)

    visit(nodes)
    return lines

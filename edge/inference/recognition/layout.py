"""Layout tree plus chosen symbols to linear answer notation.

Superscripts are found by geometry along each line of the tree (the main
line, a numerator, a denominator, a radicand); the text is then written with
``/`` for a stacked fraction, ``√`` with brackets around more than one symbol,
and ``^`` for an exponent (``²`` and ``³`` after a unit in quantities).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edge.inference.recognition.segment import Box, Fraction, Node, Radical, Symbol

_OPERATOR_CHARS = frozenset("+-×÷=/<>±")
_UNIT_LETTERS = frozenset("mgsLNJWPaVhkzHdct")
_NO_RAISE = frozenset("°.")


@dataclass(frozen=True, slots=True)
class Line:
    """Nodes of one line with a superscript flag for each."""

    nodes: tuple[Node, ...]
    raised: tuple[bool, ...]


def _height(box: Box) -> float:
    return box[3] - box[1]


def _is_raised(box: Box, base: Box, flat: bool) -> bool:
    """Whether ``box`` sits as an exponent of ``base``."""
    h = _height(base)
    if flat:
        return (box[1] + box[3]) / 2 < base[1] + 0.3 * h and box[3] < base[1] + 0.45 * h
    smaller = _height(box) < 0.9 * h
    return smaller and box[3] < base[1] + 0.55 * h


def line_roles(nodes: Sequence[Node], ref: float, flat: Sequence[bool]) -> Line:
    """Mark which nodes of a line are raised as exponents."""
    raised: list[bool] = []
    base: Box | None = None
    in_exponent = False
    for node, is_flat in zip(nodes, flat, strict=True):
        box = node.box
        up = base is not None and (
            _is_raised(box, base, is_flat)
            or (in_exponent and (box[1] + box[3]) / 2 < (base[1] + base[3]) / 2)
        )
        raised.append(up)
        in_exponent = up
        if not up and (
            _height(box) >= 0.45 * ref or isinstance(node, Fraction | Radical)
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
        return f"√{body}" if len(body) == 1 else f"√({body})"

    def _exponent(self, power: str, before: list[str]) -> str:
        after_unit = bool(before) and before[-1][-1:] in _UNIT_LETTERS
        if self.quantity and after_unit and power in {"2", "3"}:
            return "²" if power == "2" else "³"
        return f"^{power}" if len(power) == 1 else f"^({power})"


def _wrap(text: str, skip: int) -> str:
    """``text`` in brackets if an operator appears past its first ``skip`` chars."""
    if any(c in _OPERATOR_CHARS for c in text[skip:]):
        return f"({text})"
    return text


def build_lines(
    nodes: Sequence[Node], ref: float, flat_ids: set[int]
) -> dict[int, Line]:
    """Superscript roles of every line in the tree, keyed by the line's id."""
    lines: dict[int, Line] = {}

    def visit(seq: Sequence[Node]) -> None:
        flat = [id(n) in flat_ids for n in seq]
        lines[id(seq)] = line_roles(seq, ref, flat)
        for n in seq:
            if isinstance(n, Fraction):
                visit(n.numerator)
                visit(n.denominator)
            elif isinstance(n, Radical):
                visit(n.body)

    visit(nodes)
    return lines

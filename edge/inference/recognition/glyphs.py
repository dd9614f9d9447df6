"""Stroke shapes of every symbol: Hershey font glyphs plus hand-drawn variants.

Coordinates follow the Hershey grid: y grows downward, the cap line is at -12,
the base line at 9 and the x-height line at -5. The hand-drawn variants are
control points for a smooth curve; they cover the ways people write digits and
signs that no font shows (an open 4, a crossed 7, a two-stroke √).
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources

Points = tuple[tuple[float, float], ...]
Glyph = tuple[Points, ...]

CAP, BASE, X_HEIGHT = -12.0, 9.0, -5.0


def _circle(
    cx: float, cy: float, r: float, start: float = -90.0, n: int = 10
) -> Points:
    """Control points of a circle drawn counter-clockwise on paper from ``start``."""
    return tuple(
        (
            cx + r * math.cos(math.radians(start - 360.0 * i / n)),
            cy + r * math.sin(math.radians(start - 360.0 * i / n)),
        )
        for i in range(n + 1)
    )


def _dot(x: float, y: float) -> Points:
    return ((x, y), (x + 0.3, y + 0.4), (x - 0.1, y + 0.6))


_HAND: dict[str, tuple[Glyph, ...]] = {
    "0": (
        (
            (
                (0, -12),
                (-5, -10),
                (-7, -2),
                (-5, 7),
                (0, 9),
                (5, 7),
                (7, -2),
                (5, -10),
                (0, -12),
            ),
        ),
        (
            (
                (4, -11),
                (0, -12),
                (-5, -9),
                (-6, 0),
                (-4, 7),
                (0, 9),
                (4, 7),
                (6, -1),
                (5, -9),
                (1, -12),
                (-2, -11),
            ),
        ),
    ),
    "1": (
        (((0, -12), (0, 9)),),
        (((-4, -8), (0, -12), (0, 9)),),
        (((-4, -8), (0, -12), (0, 9)), ((-4, 9), (4, 9))),
    ),
    "2": (
        (((-6, -7), (-3, -11), (2, -12), (6, -8), (4, -3), (-7, 9), (7, 9)),),
        (((-6, -8), (-1, -12), (5, -10), (5, -5), (-2, 2), (-7, 9), (-2, 7), (7, 9)),),
    ),
    "3": (
        (
            (
                (-6, -9),
                (-1, -12),
                (5, -10),
                (5, -5),
                (0, -2),
                (6, 2),
                (6, 7),
                (0, 9),
                (-6, 7),
            ),
        ),
        (((-6, -12), (6, -12), (0, -3), (5, -1), (6, 5), (1, 9), (-6, 7)),),
    ),
    "4": (
        (((2, -12), (-7, 3), (7, 3)), ((3, -6), (3, 9))),
        (((-5, -12), (-6, 2), (7, 2)), ((4, -8), (4, 9))),
        (((3, 9), (3, -12), (-7, 3), (7, 3)),),
    ),
    "5": (
        (
            ((-5, -12), (-6, -2), (-1, -4), (4, -2), (6, 3), (3, 8), (-2, 9), (-6, 6)),
            ((-5, -12), (6, -12)),
        ),
        (
            (
                (6, -12),
                (-5, -12),
                (-6, -2),
                (-1, -4),
                (4, -2),
                (6, 3),
                (3, 8),
                (-2, 9),
                (-6, 6),
            ),
        ),
    ),
    "6": (
        (
            (
                (5, -11),
                (0, -12),
                (-5, -8),
                (-7, 0),
                (-5, 7),
                (0, 9),
                (5, 7),
                (6, 2),
                (3, -2),
                (-2, -2),
                (-6, 2),
            ),
        ),
        (((4, -12), (-3, -4), (-6, 3), (-3, 9), (3, 8), (5, 3), (1, -1), (-5, 2)),),
    ),
    "7": (
        (((-6, -12), (7, -12), (-1, 9)),),
        (((-6, -12), (7, -12), (-1, 9)), ((-3, -1), (5, -1))),
        (((-6, -9), (-6, -12), (7, -12), (0, 0), (-1, 9)),),
    ),
    "8": (
        (
            (
                (4, -10),
                (0, -12),
                (-4, -10),
                (-4, -6),
                (4, -1),
                (5, 4),
                (2, 9),
                (-2, 9),
                (-5, 4),
                (-4, -1),
                (4, -6),
                (4, -10),
            ),
        ),
    ),
    "9": (
        (
            (
                (6, -6),
                (2, -3),
                (-3, -3),
                (-6, -7),
                (-4, -11),
                (1, -12),
                (5, -10),
                (6, -6),
                (5, 9),
            ),
        ),
        (
            (
                (5, -9),
                (1, -12),
                (-4, -11),
                (-6, -7),
                (-3, -3),
                (3, -4),
                (6, -8),
                (5, -12),
                (5, 2),
                (2, 8),
                (-4, 8),
            ),
        ),
    ),
    "+": (
        (((-7, 0), (7, 0)), ((0, -7), (0, 7))),
        (((0, -7), (0, 7)), ((-7, 0), (7, 0))),
    ),
    "-": ((((-7, 0), (7, 0)),), (((-6, 0.5), (0, -0.3), (7, 0)),)),
    "×": (
        (((-5, -5), (5, 5)), ((5, -5), (-5, 5))),
        (((5, -5), (-5, 5)), ((-5, -5), (5, 5))),
    ),
    "÷": (
        (((-7, 0), (7, 0)), _dot(0, -5), _dot(0, 4.5)),
        (_dot(0, -5), ((-7, 0), (7, 0)), _dot(0, 4.5)),
    ),
    "=": (
        (((-7, -3), (7, -3)), ((-7, 3), (7, 3))),
        (((-7, -2.5), (6, -3)), ((-6, 3), (7, 2.5))),
    ),
    ".": ((_dot(0, 8),),),
    "/": ((((6, -13), (-6, 12)),),),
    "√": (
        (((-10, 1), (-7, -1), (-3, 9), (2, -14), (12, -14)),),
        (((-9, 1), (-6, -1), (-2, 9), (3, -14)),),
        (((-9, 1), (-6, -1), (-2, 9), (3, -14)), ((3, -14), (12, -14))),
    ),
    "<": ((((7, -7), (-7, 0), (7, 7)),),),
    "≤": (
        (((7, -9), (-7, -3), (7, 3)), ((-7, 8), (7, 8))),
        (((7, -9), (-7, -3), (7, 3)), ((-7, 6), (7, 10))),
    ),
    "≥": (
        (((-7, -9), (7, -3), (-7, 3)), ((-7, 8), (7, 8))),
        (((-7, -9), (7, -3), (-7, 3)), ((-7, 10), (7, 6))),
    ),
    "≠": (
        (((-7, -3), (7, -3)), ((-7, 3), (7, 3)), ((4, -9), (-4, 9))),
        (((4, -9), (-4, 9)), ((-7, -3), (7, -3)), ((-7, 3), (7, 3))),
    ),
    ",": ((((0.5, 7.5), (1, 8.5), (0.5, 10.5), (-1.5, 13)),),),
    ">": ((((-7, -7), (7, 0), (-7, 7)),),),
    "±": (
        (((-7, -3), (7, -3)), ((0, -10), (0, 4)), ((-7, 8), (7, 8))),
        (((0, -10), (0, 4)), ((-7, -3), (7, -3)), ((-7, 8), (7, 8))),
    ),
    "%": (
        (_circle(-4, -8, 2.5), ((6, -12), (-6, 9)), _circle(4, 5, 2.5)),
        (((6, -12), (-6, 9)), _circle(-4, -8, 2.5), _circle(4, 5, 2.5)),
    ),
    "°": ((_circle(0, -10, 2.5),), (_circle(0, -10, 2.0, start=0),)),
    "(": ((((3, -13), (-2, -7), (-3, 1), (-1, 9), (3, 14)),),),
    ")": ((((-3, -13), (2, -7), (3, 1), (1, 9), (-3, 14)),),),
    "C": (
        (((6, -9), (2, -12), (-3, -11), (-6, -5), (-6, 3), (-3, 8), (2, 9), (6, 6)),),
    ),
    "x": (
        (((-5, -5), (5, 9)), ((5, -5), (-5, 9))),
        (((-6, -4), (-3, -5), (0, 2), (3, 9), (6, 8)), ((5, -5), (-5, 9))),
    ),
}


@cache
def _hershey() -> dict[str, dict[str, Glyph]]:
    """Hershey glyphs by font and symbol, read from the packaged JSON file."""
    text = (
        resources.files("edge.inference.recognition")
        .joinpath("data/hershey.json")
        .read_text(encoding="utf-8")
    )
    raw: dict[str, dict[str, list[list[list[int]]]]] = json.loads(text)
    return {
        font: {
            name: tuple(tuple((float(x), float(y)) for x, y in s) for s in strokes)
            for name, strokes in glyphs.items()
        }
        for font, glyphs in raw.items()
    }


@cache
def variants(symbol: str) -> tuple[tuple[Glyph, bool], ...]:
    """Every known way to write ``symbol``: (glyph, smooth) pairs, hand ones first."""
    found: list[tuple[Glyph, bool]] = [(g, True) for g in _HAND.get(symbol, ())]
    for glyphs in _hershey().values():
        if symbol in glyphs and symbol not in {"."}:
            found.append((glyphs[symbol], False))
    if not found:
        raise KeyError(symbol)
    return tuple(found)


def known_symbols() -> frozenset[str]:
    """Symbols that have at least one glyph."""
    names = set(_HAND)
    for glyphs in _hershey().values():
        names.update(glyphs)
    return frozenset(names)

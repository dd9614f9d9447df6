"""Stroke grouping and layout: multi-stroke symbols, dots, fractions, roots."""

from __future__ import annotations

import numpy as np

from edge.inference.recognition.segment import (
    Fraction,
    Radical,
    Symbol,
    line_height,
    parse_layout,
)


def line(x0: float, y0: float, x1: float, y1: float, n: int = 12) -> np.ndarray:
    return np.stack([np.linspace(x0, x1, n), np.linspace(y0, y1, n)], axis=1)


def loop(cx: float, cy: float, r: float) -> np.ndarray:
    a = np.linspace(0, 2 * np.pi, 24)
    return np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], axis=1)


def dot(x: float, y: float) -> np.ndarray:
    return np.array([[x, y], [x + 0.02, y + 0.02]])


def groups(strokes: list[np.ndarray]) -> list[tuple[int, ...]]:
    nodes = parse_layout(strokes, line_height(strokes))
    assert all(isinstance(n, Symbol) for n in nodes)
    return [n.strokes for n in nodes if isinstance(n, Symbol)]


def test_two_stroke_symbols_group_and_neighbours_stay_apart() -> None:
    four = [line(0.3, 0, 0, 0.7), line(0, 0.7, 0.6, 0.7), line(0.45, 0.3, 0.45, 1.0)]
    equals = [line(1.0, 0.35, 1.6, 0.35), line(1.0, 0.65, 1.6, 0.65)]
    one = [line(2.0, 0.0, 2.0, 1.0)]
    assert groups(four + equals + one) == [(0, 1, 2), (3, 4), (5,)]


def test_decimal_point_is_its_own_symbol_even_when_close() -> None:
    strokes = [line(0, 0, 0, 1), dot(0.08, 0.98), loop(0.5, 0.5, 0.3)]
    assert groups(strokes) == [(0,), (1,), (2,)]


def test_division_sign_keeps_its_dots() -> None:
    strokes = [
        line(0, 0, 0, 1),
        line(0.3, 0.5, 0.9, 0.5),
        dot(0.6, 0.25),
        dot(0.6, 0.75),
    ]
    assert groups(strokes) == [(0,), (1, 2, 3)]


def test_touching_strokes_form_one_symbol() -> None:
    # The two legs of an A meet at the top; the bar joins them.
    strokes = [line(0, 1, 0.3, 0), line(0.3, 0, 0.6, 1), line(0.15, 0.55, 0.45, 0.55)]
    assert groups(strokes) == [(0, 1, 2)]


def test_stacked_fraction_with_minus_in_front() -> None:
    minus = line(-0.8, 0.0, -0.3, 0.0)
    three = line(0.2, -1.2, 0.2, -0.2)
    bar = line(0.0, 0.0, 0.8, 0.0)
    four = loop(0.4, 0.7, 0.35)
    nodes = parse_layout([minus, three, bar, four], 1.0)
    assert [type(n) for n in nodes] == [Symbol, Fraction]
    frac = nodes[1]
    assert isinstance(frac, Fraction)
    assert frac.bar == 2
    assert [n.strokes for n in frac.numerator] == [(1,)]  # type: ignore[union-attr]
    assert [n.strokes for n in frac.denominator] == [(3,)]  # type: ignore[union-attr]


def test_root_sign_covers_the_strokes_under_its_overline() -> None:
    two = line(-0.8, 0.0, -0.8, 1.0)
    sign = np.array([[0.0, 0.6], [0.15, 0.5], [0.3, 1.0], [0.6, -0.2], [2.0, -0.2]])
    inside = [line(0.9, 0.0, 0.9, 1.0), loop(1.5, 0.5, 0.35)]
    nodes = parse_layout([two, sign, *inside], 1.0)
    assert isinstance(nodes[1], Radical)
    assert nodes[1].sign == 1
    assert sorted(s for n in nodes[1].body for s in n.strokes) == [2, 3]  # type: ignore[union-attr]


def test_equals_is_not_taken_for_a_fraction() -> None:
    strokes = [line(0, 0.35, 0.6, 0.35), line(0, 0.65, 0.6, 0.65), line(1.0, 0, 1.0, 1)]
    assert groups(strokes) == [(0, 1), (2,)]

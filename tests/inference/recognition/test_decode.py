"""The beam decoder, the notation prior and the layout renderer."""

from __future__ import annotations

import numpy as np
import pytest

from edge.inference.recognition.decode import beam, well_formed
from edge.inference.recognition.layout import Renderer, build_lines, slots
from edge.inference.recognition.segment import Fraction, Radical, Symbol
from edge.inference.recognition.symbols import CLASS_INDEX, CLASSES, allowed_mask


@pytest.mark.parametrize(
    ("text", "kind", "ok"),
    [
        ("-3/4", "numeric", True),
        ("2.5", "numeric", True),
        ("2..5", "numeric", False),
        ("2.", "numeric", False),
        ("(x+1)^2", "expression", True),
        ("(x+1", "expression", False),
        ("x+", "expression", False),
        ("=3", "equation", False),
        ("3.6km/h", "quantity", True),
        ("1.0×10^3kg/m³", "quantity", True),
        ("25℃", "quantity", True),
        ("3.6kn/h", "quantity", False),
        ("AC", "choice", True),
        ("AA", "choice", False),
    ],
)
def test_notation_prior(text: str, kind: str, ok: bool) -> None:
    assert well_formed(text, kind) is ok


def probs_for(*rows: dict[str, float]) -> np.ndarray:
    out = np.full((len(rows), len(CLASSES)), 1e-6, dtype=np.float32)
    for i, row in enumerate(rows):
        for name, p in row.items():
            out[i, CLASS_INDEX[name]] = p
    return out / out.sum(axis=1, keepdims=True)


def test_beam_prefers_well_formed_readings_and_ranks_them() -> None:
    # The last symbol looks more like "." but no number ends in a point.
    probs = probs_for(
        {"2": 0.9, "z": 0.1}, {".": 0.55, "1": 0.45}, {".": 0.9, "5": 0.1}
    )
    hyps = beam(probs, "".join, "numeric")
    assert [h.text for h in hyps[:2]] == ["2.5", "215"]
    scores = [h.score for h in hyps]
    assert scores == sorted(scores, reverse=True)
    assert len({h.text for h in hyps}) == len(hyps)


def test_beam_merges_choices_that_write_the_same_text() -> None:
    probs = probs_for({"1": 0.6, "7": 0.4})
    hyps = beam(probs, lambda chosen: "1" if chosen[0] in {"1", "7"} else "?", None)
    assert [h.text for h in hyps] == ["1"]
    assert hyps[0].score == pytest.approx(1.0, abs=1e-3)


def test_kind_masks() -> None:
    choice = allowed_mask("choice")
    assert [c for c, ok in zip(CLASSES, choice, strict=True) if ok] == list("ABCDEF")
    assert all(allowed_mask(None))


def sym(x0: float, y0: float, x1: float, y1: float, i: int) -> Symbol:
    return Symbol((i,), (x0, y0, x1, y1))


def render(tree: tuple, chosen: list[str], quantity: bool = False) -> str:
    symbols = slots(tree)
    lines = build_lines(tree, 1.0, set())
    by_id = {id(s): c for s, c in zip(symbols, chosen, strict=True)}
    return Renderer(lines, quantity).text(tree, by_id)


def test_fraction_root_and_exponent_rendering() -> None:
    top = (
        sym(0, -1.2, 0.4, -0.2, 0),
        sym(0.5, -1.2, 0.9, -0.2, 1),
        sym(1.0, -1.2, 1.4, -0.2, 2),
    )
    frac = Fraction(top, (sym(0.3, 0.2, 0.7, 1.2, 3),), 9, (0, -1.2, 1.4, 1.2))
    assert render((frac,), ["x", "+", "1", "2"]) == "(x+1)/2"
    root = Radical(
        8, (sym(0.5, 0, 0.9, 1, 0), sym(1.0, 0, 1.4, 1, 1)), (0, -0.2, 1.5, 1)
    )
    assert render((root,), ["1", "2"]) == "√12"
    raised = (sym(0, 0, 0.5, 1, 0), sym(0.6, -0.3, 0.9, 0.2, 1), sym(1.0, 0, 1.5, 1, 2))
    assert render(raised, ["x", "2", "y"]) == "x^2y"
    unit = (sym(0, 0, 0.5, 1, 0), sym(0.6, 0.3, 1.2, 1, 1), sym(1.3, -0.3, 1.6, 0.2, 2))
    assert render(unit, ["5", "m", "2"], quantity=True) == "5m²"
    degrees = (
        sym(0, 0, 0.5, 1, 0),
        sym(0.6, -0.1, 0.8, 0.15, 1),
        sym(0.9, 0, 1.4, 1, 2),
    )
    assert render(degrees, ["5", "°", "C"], quantity=True) == "5℃"


def test_times_sign_wins_over_letter_before_digits() -> None:
    # "8x10^2" and "8×10^2" look alike; a variable is not written before digits.
    probs = probs_for({"8": 1.0}, {"x": 0.6, "×": 0.4}, {"1": 1.0}, {"0": 1.0})
    hyps = beam(probs, "".join, "expression")
    assert hyps[0].text == "8×10"

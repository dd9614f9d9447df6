"""Ranked readings from per-symbol probabilities: a beam with a notation prior.

Each symbol slot offers its few likeliest classes. The beam keeps the best
joint choices, writes each as text, and weighs the text by how well it fits
the answer notation (balanced brackets, numbers with one decimal point, a
known unit after a quantity). Readings that differ only in choices that
write the same text are merged.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edge.inference.recognition.symbols import CLASSES

TOP_K = 3
BEAM = 32
_INVALID = 0.002  # weight of a reading that breaks the notation
_KEEP = 0.002  # classes below this share of the slot's best are not tried
_RARE = 0.2  # weight of well-formed but unusual text
_LETTER_DIGIT = re.compile(r"[a-zA-Z]\d")

_UNITS = (
    "m",
    "cm",
    "mm",
    "km",
    "s",
    "min",
    "h",
    "g",
    "kg",
    "N",
    "Pa",
    "kPa",
    "J",
    "kJ",
    "W",
    "kW",
    "Hz",
    "dB",
    "L",
    "mL",
    "V",
    "km/h",
    "m/s",
    "kg/m³",
    "g/cm³",
    "N/kg",
    "m²",
    "cm²",
    "m³",
    "cm³",
    "dm³",
    "℃",
    "°",
    "%",
    "N·m",
    "J/kg",
)
_NUMBER = r"[-±]?(\d+(\.\d+)?|\.\d+)"
_QUANTITY = re.compile(
    rf"^{_NUMBER}(×10\^(-?\d+|\(-?\d+\)))?({'|'.join(map(re.escape, _UNITS))})?$"
)
_BINARY = frozenset("+×÷=/^<>≤≥≠,")
_OPENERS = _BINARY | frozenset("-(√± ")
_TRAILING = frozenset("+-×÷=/^.√(±")


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """One reading with its joint probability before normalisation."""

    text: str
    score: float
    weakest: float
    picks: tuple[int, ...] = ()
    """Class index per symbol of the likeliest choice that writes ``text``."""
    valid: bool = True
    """Whether ``text`` is well-formed notation for the answer kind."""


def well_formed(text: str, kind: str | None) -> bool:
    """Whether ``text`` is plausible answer notation for a question of ``kind``."""
    if not text or text[0] in _BINARY or text[-1] in _TRAILING:
        return False
    depth = 0
    for a, b in zip(" " + text, text, strict=False):
        depth += (b == "(") - (b == ")")
        if (
            depth < 0
            or (a in _OPENERS and b in _BINARY)
            or (a in _BINARY | _OPENERS and b == ")")
        ):
            return False
    if (
        depth
        or re.search(r"\d*\.\d*\.", text)
        or re.search(r"\.($|[^\d])", text)
        or re.search(r"[^\d\-+(=±]\.", text)
    ):
        return False
    if kind == "quantity":
        return bool(_QUANTITY.match(text))
    if kind == "numeric" and "%" in text[:-1]:
        return False  # a percent sign ends a number
    if kind == "choice":
        return len(set(text)) == len(text)
    return True


def plausibility(text: str) -> float:
    """Weight of well-formed text: lower for forms students rarely write.

    A letter right before a digit (``x10``, ``8x3``) is almost always a
    misread ``×``; a number written after a variable is not how answers go.
    """
    return _RARE if _LETTER_DIGIT.search(text) else 1.0


def beam(
    probs: NDArray[np.float32],
    render: Callable[[Sequence[str]], str],
    kind: str | None,
    top_k: int = TOP_K,
    width: int = BEAM,
) -> list[Hypothesis]:
    """The best distinct readings, merged by text, best first."""
    if len(probs) == 0:
        return []
    logs = np.log(np.maximum(probs, 1e-12)).tolist()
    states: list[tuple[float, tuple[int, ...]]] = [(0.0, ())]
    for slot, row in enumerate(probs):
        # Classes far below the slot's best cannot change the ranking that matters.
        order = np.argsort(-row)[:top_k]
        choice = [int(c) for c in order if row[c] >= _KEEP * row[order[0]]]
        grown = [
            (logp + logs[slot][c], (*picked, c))
            for logp, picked in states
            for c in choice
        ]
        states = heapq.nlargest(width, grown, key=lambda s: s[0])
    merged: dict[str, Hypothesis] = {}
    for logp, picked in states:
        text = render([CLASSES[c] for c in picked])
        valid = well_formed(text, kind)
        weight = plausibility(text) if valid else _INVALID
        score = math.exp(logp) * weight
        weakest = min(float(probs[i, c]) for i, c in enumerate(picked))
        old = merged.get(text)
        if old is None:
            merged[text] = Hypothesis(text, score, weakest, picked, valid)
        else:
            # States come best first, so the first choice writing the text stays.
            merged[text] = Hypothesis(
                text, old.score + score, max(old.weakest, weakest), old.picks, valid
            )
    return sorted(merged.values(), key=lambda h: -h.score)

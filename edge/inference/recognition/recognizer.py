"""The recognizer the gateway calls: answer strokes in, ranked readings out."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from edge.errors import RecognitionError
from edge.inference.recognition.calibrate import Calibration, evidence
from edge.inference.recognition.classifier import SymbolClassifier
from edge.inference.recognition.decode import Hypothesis, beam
from edge.inference.recognition.features import batch_inputs
from edge.inference.recognition.ink import Ink, normalise
from edge.inference.recognition.layout import Renderer, build_lines, slots
from edge.inference.recognition.refine import regroup, slash_for_one
from edge.inference.recognition.segment import (
    Node,
    Symbol,
    line_height,
    parse_layout,
    stroke_box,
)
from edge.inference.recognition.symbols import (
    CLASSES,
    TYPICAL_HEIGHT,
    allowed_mask,
    plausible_mask,
)
from edge.models import Candidate, Reading, Rect, Stroke

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
MAX_CANDIDATES = 5
# Re-read with the line height the symbols imply when it differs by more than this.
_REMEASURE = 0.12
_DOTS_PER_HEIGHT = 48.0
# Longer answers are cut: more than this many strokes is a worked solution.
MAX_STROKES = 120
MAX_DOTS = 20_000


class Recognizer:
    """Reads one answer's ink as linear answer notation."""

    def __init__(self, classifier: SymbolClassifier, calibration: Calibration) -> None:
        self.classifier = classifier
        self.calibration = calibration

    @classmethod
    def load(cls, model_dir: Path | None = None) -> Recognizer:
        """The recognizer with the models in ``model_dir`` (default: shipped ones).

        Every ``symbols*.onnx`` file there joins the ensemble.
        """
        folder = model_dir or MODEL_DIR
        paths = sorted(folder.glob("symbols*.onnx"))
        if not paths:
            raise RecognitionError(f"no symbol model (symbols*.onnx) in {folder}")
        return cls(
            SymbolClassifier(paths), Calibration.load(folder / "calibration.json")
        )

    @property
    def confidence_threshold(self) -> float:
        """Readings at or above this confidence may be graded without review."""
        return self.calibration.threshold

    def read(
        self,
        strokes: Sequence[Stroke],
        box: Rect | None = None,
        kind_hint: str | None = None,
    ) -> Reading:
        """Ranked readings of ``strokes``, best first, confidences in [0, 1]."""
        inks = prepare([[(d.x, d.y) for d in s.dots] for s in strokes])
        return self.read_ink(inks, kind_hint)

    def read_ink(self, inks: list[Ink], kind_hint: str | None = None) -> Reading:
        """Ranked readings of prepared strokes (see :func:`prepare`)."""
        decoded = self.decode(inks, kind_hint)
        return Reading(self._candidates(decoded.hyps, self.confidence(decoded)))

    def decode(self, inks: list[Ink], kind_hint: str | None = None) -> Decoded:
        """Uncalibrated readings of prepared strokes, with what calibrates them."""
        if not inks:
            return Decoded([], 0, 1.0)
        symbols, probs, render, inside = self._analyse(inks, kind_hint)
        return Decoded(beam(probs, render, kind_hint), len(symbols), inside)

    def confidence(self, decoded: Decoded) -> float:
        """P(the best reading is right), in [0, 1] (0 without a reading).

        See :func:`capped` for what the calibrated figure is capped by.
        """
        if not decoded.hyps:
            return 0.0
        calibrated = self.calibration.confidence(
            evidence(decoded.hyps, decoded.symbols)
        )
        return capped(calibrated, decoded.in_alphabet)

    def analyse(
        self, inks: list[Ink], kind_hint: str | None = None
    ) -> tuple[list[Symbol], NDArray[np.float32], Callable[[Sequence[str]], str]]:
        """Symbols of non-empty prepared ink, their class probabilities, and the
        function that writes a choice of one class per symbol as answer text."""
        symbols, probs, render, _ = self._analyse(inks, kind_hint)
        return symbols, probs, render

    def _analyse(
        self, inks: list[Ink], kind_hint: str | None
    ) -> tuple[
        list[Symbol], NDArray[np.float32], Callable[[Sequence[str]], str], float
    ]:
        ref = line_height(inks)
        tree = parse_layout(inks, ref, nested=kind_hint != "choice")
        symbols = slots(tree)
        seen: dict[tuple[tuple[int, ...], float], NDArray[np.float32]] = {}
        probs = self.classify(inks, symbols, ref, kind_hint, seen)
        boxes = [stroke_box(s) for s in inks]
        # A second round splits what the first split into two still unsure parts.
        for _ in range(2):
            better = regroup(
                tree,
                symbols,
                probs,
                lambda group: self.classify(inks, group, ref, kind_hint, seen),
                boxes,
                ref,
            )
            if better is None:
                break
            tree, symbols = better, slots(better)
            probs = self.classify(inks, symbols, ref, kind_hint, seen)
        measured = measured_height(symbols, probs, ref)
        if abs(measured / ref - 1.0) > _REMEASURE:
            ref = measured
            probs = self.classify(inks, symbols, ref, kind_hint, seen)
        probs = slash_for_one(tree, probs, ref)
        inside = _in_alphabet([seen[s.strokes, ref] for s in symbols], kind_hint)
        render = self._render(tree, symbols, probs, ref, kind_hint)
        return symbols, probs, render, inside

    def classify(
        self,
        inks: list[Ink],
        symbols: list[Symbol],
        ref: float,
        kind_hint: str | None,
        seen: dict[tuple[tuple[int, ...], float], NDArray[np.float32]] | None = None,
    ) -> NDArray[np.float32]:
        """Class probabilities of each symbol, restricted to the answer kind.

        ``seen`` keeps the model's output per stroke group and line height, so
        regrouping classifies only the groups it has not seen.
        """
        known = {} if seen is None else seen
        todo = list({s.strokes: s for s in symbols if (s.strokes, ref) not in known})
        if todo:
            images, vectors = batch_inputs(
                [[inks[j] for j in group] for group in todo], ref
            )
            rows = self.classifier.probabilities(images, vectors)
            for group, row in zip(todo, rows, strict=True):
                known[group, ref] = row
        probs = (
            np.stack([known[s.strokes, ref] for s in symbols])
            if symbols
            else (np.zeros((0, len(CLASSES)), dtype=np.float32))
        )
        mask = np.array(allowed_mask(kind_hint), dtype=np.float32)
        probs = probs * mask
        total = np.maximum(probs.sum(axis=1, keepdims=True), 1e-12)
        return np.asarray(probs / total, dtype=np.float32)

    def _render(
        self,
        tree: tuple[Node, ...],
        symbols: list[Symbol],
        probs: NDArray[np.float32],
        ref: float,
        kind_hint: str | None,
    ) -> Callable[[Sequence[str]], str]:
        flat = {id(s) for s in symbols if _is_flat(s, ref)}
        likely = {
            id(s): CLASSES[int(p.argmax())] for s, p in zip(symbols, probs, strict=True)
        }
        lines = build_lines(tree, ref, flat, likely)
        renderer = Renderer(lines, quantity=kind_hint == "quantity")

        def render(chosen: Sequence[str]) -> str:
            return renderer.text(
                tree, {id(s): c for s, c in zip(symbols, chosen, strict=True)}
            )

        return render

    def _candidates(self, hyps: list[Hypothesis], best: float) -> tuple[Candidate, ...]:
        if not hyps:
            return ()
        rest = hyps[1:MAX_CANDIDATES]
        total = sum(h.score for h in rest) or 1.0
        out = [Candidate(hyps[0].text, round(best, 4))]
        for h in rest:
            share = (1.0 - best) * h.score / total
            out.append(Candidate(h.text, round(min(share, best), 4)))
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Decoded:
    """The beam's readings of one answer and the evidence for their confidence."""

    hyps: list[Hypothesis]
    symbols: int
    in_alphabet: float
    """The lowest share, over the symbols, of the classifier's probability on
    classes the answer kind allows or their look-alikes (1.0 when every symbol
    is clearly allowed)."""


# A symbol with at least this share of its belief inside the answer's alphabet
# is not held against the reading (real pen-digits put up to a fifth on
# letters); below it the reading's confidence is capped proportionally.
IN_ALPHABET_FULL = 0.5


def capped(confidence: float, in_alphabet: float) -> float:
    """A calibrated confidence, capped when a symbol is mostly outside the
    answer's alphabet.

    ``%`` written where the alphabet had no ``%``, or a letter in a number,
    is read as the nearest allowed symbol, and that reading must not be
    graded on its own however well-formed it looks.
    """
    return min(confidence, in_alphabet / IN_ALPHABET_FULL)


def _in_alphabet(raw: Sequence[NDArray[np.float32]], kind_hint: str | None) -> float:
    if not raw:
        return 1.0
    # A look-alike (x for ×) is what the kind restriction is there to settle.
    mask = np.array(plausible_mask(kind_hint), dtype=np.float32)
    shares = np.stack(raw) @ mask
    return float(min(1.0, shares.min()))


def measured_height(
    symbols: Sequence[Symbol], probs: NDArray[np.float32], ref: float
) -> float:
    """Line height implied by the symbols read with confidence, or ``ref``.

    Digits, capitals and brackets go first: small letters vary between hands
    (0.4 to 0.7 line heights). Exponents are smaller, never larger, so the
    upper quartile is taken rather than the median.
    """
    full: list[float] = []
    small: list[float] = []
    for sym, row in zip(symbols, probs, strict=True):
        best = int(row.argmax())
        typical = TYPICAL_HEIGHT.get(CLASSES[best])
        if typical and row[best] >= 0.5:
            ratio = (sym.box[3] - sym.box[1]) / typical
            (full if typical >= 1.0 else small).append(ratio)
    ratios = full or small
    return float(np.percentile(ratios, 75)) if ratios else ref


def _is_flat(symbol: Symbol, ref: float) -> bool:
    x0, y0, x1, y1 = symbol.box
    return (y1 - y0) < 0.3 * max(x1 - x0, 1e-9) and (x1 - x0) > 0.2 * ref


def prepare(strokes: Sequence[Sequence[tuple[float, float]]]) -> list[Ink]:
    """Raw strokes as cleaned, smoothed arrays; empty strokes dropped."""
    if len(strokes) > MAX_STROKES:
        raise RecognitionError(
            f"answer has {len(strokes)} strokes, more than {MAX_STROKES}"
        )
    if sum(len(s) for s in strokes) > MAX_DOTS:
        raise RecognitionError(f"answer has more than {MAX_DOTS} dots")
    arrays = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes if len(s)]
    if arrays and not np.isfinite(np.concatenate(arrays)).all():
        raise RecognitionError("stroke with a non-finite coordinate")
    # Dense pen ink carries far more dots than the shapes need: thin it to a
    # fixed share of the answer's height, which bounds the work per symbol.
    return normalise(arrays, _DOTS_PER_HEIGHT)

"""Teacher-confirmed answers as training data for the symbol classifier.

The review queue stores an answer's strokes with the text the teacher
confirmed. :func:`answer_record` turns that into one JSON line of the
``--extra`` folder format that ``scripts/train_recognizer.py`` reads;
:func:`label_symbols` finds which stroke groups are which symbols by looking
for the confirmed text among the recognizer's readings (a forced alignment).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from edge.inference.recognition.decode import beam
from edge.inference.recognition.ink import Ink
from edge.inference.recognition.recognizer import Recognizer
from edge.inference.recognition.symbols import CLASSES
from edge.models import Stroke

# A wide search: the confirmed text may be far down the recognizer's ranking.
_ALIGN_TOP_K = 8
_ALIGN_WIDTH = 2048


class AnswerRecord(TypedDict):
    """One reviewed answer: strokes (Ncode units, y down) and the confirmed text."""

    text: str
    kind: str | None
    writer: str
    strokes: list[list[list[float]]]


def answer_record(
    strokes: Sequence[Stroke], text: str, kind: str | None, writer: str
) -> AnswerRecord:
    """The JSON-ready record of a reviewed answer (``writer`` is a pseudonym)."""
    return {
        "text": text,
        "kind": kind,
        "writer": writer,
        "strokes": [[[d.x, d.y] for d in s.dots] for s in strokes if s.dots],
    }


def label_symbols(
    recognizer: Recognizer, inks: list[Ink], text: str, kind: str | None
) -> list[tuple[tuple[int, ...], str]] | None:
    """(stroke indices, symbol) for each symbol of an answer whose text is known.

    None when no grouping and choice of classes writes ``text``: such an answer
    is left out of training rather than guessed at.
    """
    if not inks:
        return None
    symbols, probs, render = recognizer.analyse(inks, kind)
    found = beam(probs, render, kind, top_k=_ALIGN_TOP_K, width=_ALIGN_WIDTH)
    target = text.replace("*", "×").replace("°C", "℃").replace(" ", "")
    for hyp in found:
        if hyp.text == target:
            return [
                (s.strokes, CLASSES[c]) for s, c in zip(symbols, hyp.picks, strict=True)
            ]
    return None

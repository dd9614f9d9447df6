"""Regrouping by the classifier: touching neighbours are split again."""

from __future__ import annotations

import random

from edge.inference.recognition import Recognizer
from edge.inference.recognition.layout import slots
from edge.inference.recognition.recognizer import prepare
from edge.inference.recognition.segment import line_height, parse_layout
from edge.models import Rect
from edge.sim.handwriting import WriterStyle, write_answer


def test_crowded_symbols_are_split_by_the_classifier() -> None:
    recognizer = Recognizer.load()
    crowded = right = 0
    for seed in range(12):
        # Negative spacing: the "+" reaches into the "6", as in hurried writing.
        style = WriterStyle(spacing=-0.12, seed=seed)
        paths = write_answer("3+6", Rect(0, 0, 30, 4), random.Random(seed), style)
        inks = prepare([[(x, y) for x, y, _ in p] for p in paths])
        crowded += len(slots(parse_layout(inks, line_height(inks)))) < 3
        hyps, _ = recognizer.decode(inks, "numeric")
        right += hyps[0].text == "3+6"
    assert crowded >= 6  # the overlap grouping alone merges most of them
    assert right >= 11

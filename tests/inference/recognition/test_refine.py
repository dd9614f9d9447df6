"""Regrouping by the classifier: touching neighbours are split again."""

from __future__ import annotations

import random

import numpy as np

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
        hyps = recognizer.decode(inks, "numeric").hyps
        right += hyps[0].text == "3+6"
    assert crowded >= 6  # the overlap grouping alone merges most of them
    assert right >= 11


def test_a_tall_one_hanging_below_the_digits_is_a_slash() -> None:
    from edge.inference.recognition.refine import slash_for_one
    from edge.inference.recognition.segment import Symbol
    from edge.inference.recognition.symbols import CLASS_INDEX, CLASSES

    def row(best: str, second: str) -> list[float]:
        p = [0.0] * len(CLASSES)
        p[CLASS_INDEX[best]], p[CLASS_INDEX[second]] = 0.6, 0.4
        return p

    tree = (
        Symbol((0,), (0.0, 0.0, 0.5, 1.0)),  # 3
        Symbol((1,), (0.8, -0.1, 1.2, 1.25)),  # tall, reaches below the line
        Symbol((2,), (1.5, 0.0, 2.0, 1.0)),  # 4
        Symbol((3,), (2.3, 0.0, 2.5, 1.0)),  # a plain 1 on the line
    )
    probs = np.array([row("3", "8"), row("1", "/"), row("4", "9"), row("1", "/")])
    out = slash_for_one(tree, probs.astype(np.float32), 1.0)
    assert out[1].argmax() == CLASS_INDEX["/"]
    assert out[3].argmax() == CLASS_INDEX["1"]

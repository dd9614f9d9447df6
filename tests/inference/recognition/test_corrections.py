"""Reviewed answers become labelled symbols for the next training run."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path

from edge.inference.recognition import Recognizer
from edge.inference.recognition.corrections import answer_record, label_symbols
from edge.inference.recognition.recognizer import MODEL_DIR, prepare
from edge.models import Dot, PageAddress, Rect, Stroke
from edge.sim.handwriting import write_answer

ROOT = Path(__file__).resolve().parents[3]


def written(text: str, seed: int) -> list[Stroke]:
    paths = write_answer(text, Rect(0, 0, 30, 4), random.Random(seed), seed)
    return [
        Stroke(
            "pen", PageAddress(1, 2, 3, 4), tuple(Dot(x, y, 100, t) for x, y, t in p)
        )
        for p in paths
    ]


def test_confirmed_text_labels_each_stroke_group() -> None:
    strokes = written("-3/4", 1)
    inks = prepare([[(d.x, d.y) for d in s.dots] for s in strokes])
    labels = label_symbols(Recognizer.load(), inks, "-3/4", "numeric")
    assert labels is not None
    assert [symbol for _, symbol in labels] == ["-", "3", "4"]
    used = [j for group, _ in labels for j in group]
    assert len(used) == len(set(used)) == len(inks) - 1
    assert 2 not in used  # the third stroke is the fraction bar, not a symbol


def test_text_the_ink_cannot_say_is_not_guessed() -> None:
    strokes = written("7", 2)
    inks = prepare([[(d.x, d.y) for d in s.dots] for s in strokes])
    assert label_symbols(Recognizer.load(), inks, "-12", "numeric") is None


def test_training_script_reads_answer_and_symbol_records(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "train_recognizer", ROOT / "scripts" / "train_recognizer.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lines = [
        answer_record(written("25", 3), "25", "numeric", "s-1"),
        answer_record(written("8", 4), "-3", "numeric", "s-2"),  # does not align
        {"label": "4", "strokes": [[[0, 0], [0, 2]], [[-1, 1], [1, 1]]]},
        {"label": "Ω", "strokes": [[[0, 0], [1, 1]]]},  # not a class
    ]
    (tmp_path / "reviewed.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    jobs = module.extra_jobs(tmp_path, MODEL_DIR)
    assert sorted(job[1] for job in jobs) == ["2", "4", "5"]

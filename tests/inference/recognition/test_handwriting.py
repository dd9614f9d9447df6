"""Synthetic handwriting: placement in the box, timing, determinism."""

from __future__ import annotations

import itertools
import random

import pytest

from edge.models import Rect
from edge.sim.handwriting import WriterStyle, write_answer

BOX = Rect(10.0, 20.0, 30.0, 4.0)


@pytest.mark.parametrize(
    "text", ["7", "-3/4", "x=2.5", "2√(x+1)", "1.0×10^3kg/m³", "25℃"]
)
def test_ink_stays_in_the_box_and_time_runs_forward(text: str) -> None:
    paths = write_answer(text, BOX, random.Random(3))
    assert paths
    dots = [d for p in paths for d in p]
    assert all(BOX.contains(x, y) for x, y, _ in dots)
    times = [t for _, _, t in dots]
    assert times == sorted(times)
    assert times[0] == 0


def test_writing_speed_is_human() -> None:
    paths = write_answer("1234", BOX, random.Random(5), WriterStyle())
    duration_s = paths[-1][-1][2] / 1000.0
    # People write four digits in roughly one to four seconds.
    assert 0.8 < duration_s < 6.0
    gaps = [b[0][2] - a[-1][2] for a, b in itertools.pairwise(paths)]
    assert all(100 <= g <= 450 for g in gaps)


def test_same_seed_same_ink_and_writers_differ() -> None:
    a = write_answer("-12.5", BOX, random.Random(9))
    b = write_answer("-12.5", BOX, random.Random(9))
    c = write_answer("-12.5", BOX, random.Random(10))
    assert a == b
    assert a != c


def test_writer_keeps_one_way_of_writing_each_symbol() -> None:
    style = WriterStyle.random(random.Random(1))
    assert {style.variant("4") for _ in range(5)} == {style.variant("4")}


def test_a_style_seed_is_one_writer() -> None:
    a = write_answer("48", BOX, random.Random(1), 77)
    b = write_answer("48", BOX, random.Random(1), WriterStyle.random(random.Random(77)))
    assert a == b


def test_symbols_without_glyphs_are_left_out() -> None:
    assert write_answer("音色", BOX, random.Random(1)) == []
    with_word = write_answer("3无解", BOX, random.Random(1), 5)
    alone = write_answer("3", BOX, random.Random(1), 5)
    assert len(with_word) == len(alone)

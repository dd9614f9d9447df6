"""``edge-gateway recognize`` over good, bad and empty InkML files."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from edge.cli.main import main
from edge.inference.inkml import write_inkml
from edge.models import Dot, PageAddress, Rect, Stroke
from edge.sim.handwriting import write_answer


def answer_file(folder: Path, name: str, text: str, seed: int) -> Path:
    paths = write_answer(text, Rect(0.0, 0.0, 30.0, 4.0), random.Random(seed))
    strokes = [
        Stroke(
            "pen", PageAddress(0, 0, 0, 0), tuple(Dot(x, y, 200, t) for x, y, t in p)
        )
        for p in paths
    ]
    target = folder / name
    target.write_text(write_inkml(strokes, text), encoding="utf-8")
    return target


def test_bad_file_is_reported_and_the_others_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = answer_file(tmp_path, "good.inkml", "25", 1)
    bad = tmp_path / "bad.inkml"
    bad.write_text("<ink><trace>1 2,")
    empty = tmp_path / "empty.inkml"
    empty.write_text('<ink xmlns="http://www.w3.org/2003/InkML"></ink>')
    missing = tmp_path / "missing.inkml"
    status = main(["recognize", str(bad), str(good), str(empty), str(missing)])
    out, err = capsys.readouterr()
    assert status == 1
    assert "good.inkml: 25" in out
    assert len(err.strip().splitlines()) == 3
    assert "bad.inkml" in err
    assert "not well-formed" in err
    assert "no ink" in err


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [
        answer_file(tmp_path, f"a{i}.inkml", t, i) for i, t in enumerate(["-3/4", "7"])
    ]
    status = main(["recognize", "--json", "--kind", "numeric", *map(str, files)])
    records = json.loads(capsys.readouterr().out)
    assert status == 0
    assert [r["text"] for r in records] == ["-3/4", "7"]
    assert all(r["truth"] == r["text"] for r in records)
    assert all(0.0 <= c["confidence"] <= 1.0 for r in records for c in r["candidates"])

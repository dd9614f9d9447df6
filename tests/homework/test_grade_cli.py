"""``edge-gateway grade`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.cli.main import main
from edge.homework import library_paths

FRACTIONS = next(p for p in library_paths() if p.name.startswith("math-g8-01"))


def test_json_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        ["grade", str(FRACTIONS), "--question", "q1", "--json", "--", "-0.75"]
    )
    out = json.loads(capsys.readouterr().out)
    assert status == 0
    assert out["correct"] is True
    assert out["score"] == out["max_score"] == 1.0
    assert out["reason"] and out["reason_zh"]


def test_text_verdict_and_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["grade", str(FRACTIONS), "--question", "q6", "--", "-6/8"])
    out = capsys.readouterr().out
    assert status == 1
    assert "incorrect" in out and "lowest terms" in out and "约分" in out


def test_lone_question_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "key.yaml"
    path.write_text(
        "id: k\ntype: quantity\nanswer: '10'\nunit: m/s\n", encoding="utf-8"
    )
    assert main(["grade", str(path), "36km/h", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["code"] == "equivalent"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([str(FRACTIONS), "3"], "pick one with --question"),
        ([str(FRACTIONS), "3", "--question", "nope"], "no question 'nope'"),
        (["/nonexistent.yaml", "3"], "cannot read"),
    ],
)
def test_errors_are_one_line(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", *args]) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1

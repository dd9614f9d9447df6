"""The provisioning command line: interactive through stdin, and scripted."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from edge.cli.main import main
from edge.store import Store

ROSTER = "seat,id,name\n1,s01,李华\n2,s02,王芳\n"


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return path


def run_with_input(
    monkeypatch: pytest.MonkeyPatch, lines: list[str], *args: str
) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{x}\n" for x in lines)))
    return main(["provision", *args])


def first_answers(roster: Path) -> list[str]:
    return [
        "shen zhen",  # refused: a space, asked again
        "shenzhen",
        "nanshan-03",
        "13",  # refused: no grade 13
        "8",
        "2",
        "",  # teacher page address: keep the proposed 0.0.0.0
        "",  # no broker yet
        "short",  # refused: too short
        "blackboard-42",
        "blackboard-42",
        str(roster),
        "type",  # pens typed in
        "1=9c:7b:d2:00:00:01",
        "7=9c:7b:d2:00:00:07",  # accepted here, refused later: seat 7 is empty
        "",
        "skip",  # no clickers now
    ]


def test_interactive_run_through_stdin(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    roster: Path,
) -> None:
    root = tmp_path / "root"
    answers = first_answers(roster)
    answers[answers.index("7=9c:7b:d2:00:00:07")] = "oops"  # refused at once
    code = run_with_input(monkeypatch, answers, "--root", str(root), "--no-self-test")

    out = capsys.readouterr().out
    assert code == 0, out
    assert "must be 1-32 letters" in out
    assert "must be a whole number 1-12" in out
    assert "must be 8-128 characters" in out
    assert "must be SEAT=DEVICE" in out
    doc = tomllib.loads((root / "etc/edge-gateway/gateway.toml").read_text("utf-8"))
    assert doc["gateway"]["id"] == "shenzhen-nanshan-03-8-2"
    assert doc["web"]["host"] == "0.0.0.0"
    store = Store(root / "var/lib/edge-gateway/gateway.db", "x")
    assert store.device_bindings("pen") == {"9C:7B:D2:00:00:01": "s01"}
    store.close()


def test_interactive_rerun_with_enter_everywhere_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    roster: Path,
) -> None:
    root = tmp_path / "root"
    answers = [a for a in first_answers(roster) if a != "7=9c:7b:d2:00:00:07"]
    assert (
        run_with_input(monkeypatch, answers, "--root", str(root), "--no-self-test") == 0
    )
    capsys.readouterr()

    code = run_with_input(monkeypatch, [""] * 10, "--root", str(root), "--no-self-test")

    out = capsys.readouterr().out
    assert code == 0
    assert "[shenzhen]" in out and "Enter keeps the current one" in out
    assert "changed " not in out, out


def test_input_ending_early_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    root = tmp_path / "root"
    code = run_with_input(monkeypatch, ["shenzhen"], "--root", str(root))
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().endswith("input ended before every question was answered")
    assert not root.exists()


def test_scripted_run_with_flags_and_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, roster: Path
) -> None:
    root = tmp_path / "root"
    args = [
        "provision",
        "--root",
        str(root),
        "--no-input",
        "--no-self-test",
        "--json",
        "--city",
        "shenzhen",
        "--school",
        "nanshan-03",
        "--grade",
        "8",
        "--class",
        "2",
        "--teacher-password",
        "blackboard-42",
        "--roster",
        str(roster),
        "--clicker",
        "2=10002b",
    ]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["gateway_id"] == "shenzhen-nanshan-03-8-2"
    changed = {s["name"] for s in report["steps"] if s["changed"]}
    assert {"configuration", "roster", "clickers", "key pair"} <= changed

    assert (
        main(
            ["provision", "--root", str(root), "--no-input", "--json", "--no-self-test"]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["changed"] is False


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--grade", "13"], "grade: '13' must be a whole number"),
        (["--pen", "1=xx"], "pen: 'XX' must be a Bluetooth address"),
        (["--broker", "mqtt://city.example"], "broker: plain mqtt://"),
        (["--json", "--city", "x"], None),
    ],
)
def test_bad_flags_are_one_line_errors(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    flags: list[str],
    message: str | None,
) -> None:
    no_input = [] if flags[0] == "--json" else ["--no-input"]
    code = main(["provision", "--root", str(tmp_path / "r"), *no_input, *flags])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert (message or "--json needs --no-input") in err


def test_password_alone_is_asked_even_without_questions(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    roster: Path,
) -> None:
    root = tmp_path / "root"
    flags = ["--city", "a", "--school", "b", "--grade", "1", "--class", "1"]
    args = ["--root", str(root), "--no-input", "--no-self-test", *flags]
    lines = ["new-password-1", "new-password-1"]
    assert run_with_input(monkeypatch, lines, *args, "--teacher-password") == 0
    assert "teacher password set" in capsys.readouterr().out
    assert run_with_input(monkeypatch, ["x"], *args, "--teacher-password") == 2
    assert "input ended" in capsys.readouterr().err


def test_real_stdin_pipe_and_self_test(tmp_path: Path, roster: Path) -> None:
    """The installed command, fed through a pipe, runs its self-test at the end."""
    root = tmp_path / "root"
    answers = [a for a in first_answers(roster) if a != "7=9c:7b:d2:00:00:07"]
    result = subprocess.run(
        [sys.executable, "-m", "edge.cli.main", "provision", "--root", str(root)],
        input="".join(f"{a}\n" for a in answers),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Self-test:" in result.stdout, result.stderr
    assert "database" in result.stdout
    # No Bluetooth adapter on a build machine: the self-test says so and fails.
    has_bt = Path("/sys/class/bluetooth").is_dir()
    assert result.returncode == (0 if has_bt else 1) or has_bt

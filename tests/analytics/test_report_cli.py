"""The report from a real store, through ``build_report`` and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.analytics.errors import AnalyticsError
from edge.analytics.report import build_report
from edge.cli.main import main
from edge.store import Store
from tests.analytics.simclass import build_class

SECTIONS = {"mastery", "items", "diagnosis", "practice", "homework_time"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "gateway.db"
    store = Store(path, "gw-test")
    build_class(store, seed=2, n_students=30)
    store.close()
    return path


def test_report_has_every_section(db: Path) -> None:
    store = Store(db, "gw-test")
    try:
        report = build_report(store, "S2", 123)
    finally:
        store.close()
    assert set(report) >= SECTIONS
    assert report["generated_ms"] == 123
    assert report["assignment"]["n_answers"] == 30 * 12
    assert report["mastery"]["engine"] == "onnx"
    assert report["homework_time"]["n_students"] == 30
    assert report["suggestions_en"] and report["suggestions_zh"]
    json.dumps(report, allow_nan=False)


def test_report_reads_without_writing(db: Path) -> None:
    store = Store(db, "gw-test")
    try:
        before = store.conn.execute("SELECT COUNT(*) FROM mastery").fetchone()[0]
        build_report(store, "S1", 0)
        after = store.conn.execute("SELECT COUNT(*) FROM mastery").fetchone()[0]
    finally:
        store.close()
    assert before == after == 0


def test_unknown_assignment_is_a_clear_error(store: Store) -> None:
    with pytest.raises(AnalyticsError, match="no assignment 'X'"):
        build_report(store, "X", 0)


def test_cli_text(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            ["report", "S4", "--db", str(db), "--config", str(db.with_suffix(".none"))]
        )
        == 2
    )
    capsys.readouterr()
    assert main(["report", "S4", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("S4: Sheet 4 (math, grade 8)")
    for heading in (
        "Suggestions / 教学建议",
        "Items",
        "Mastery (BKT, onnx)",
        "Groups for the same help",
        "Homework time",
    ):
        assert f"\n{heading}\n" in out
    assert "attracts_strong" in out


def test_cli_json_and_refit(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "S4", "--db", str(db), "--json", "--refit"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= SECTIONS
    store = Store(db, "gw-test")
    try:
        assert store.conn.execute("SELECT COUNT(*) FROM bkt_params").fetchone()[0] == 7
    finally:
        store.close()


def test_cli_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "S4", "--db", str(tmp_path / "absent.db")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"edge-gateway report: error: no store at {tmp_path / 'absent.db'}"]


def test_cli_reads_db_and_analytics_from_config(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[gateway]\nid = "gw-test"\ndb = "{db}"\n\n[analytics]\npractice_minutes = 5\n',
        encoding="utf-8",
    )
    assert main(["report", "S4", "--config", str(config), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["practice"]["budget_minutes"] == 5
    config.write_text(
        f'[gateway]\nid = "gw-test"\ndb = "{db}"\n\n[analytics]\nweak_threshold = 2\n',
        encoding="utf-8",
    )
    assert main(["report", "S4", "--config", str(config)]) == 2
    assert "analytics.weak_threshold" in capsys.readouterr().err

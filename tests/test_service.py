"""The assembled service: start-up, library loading and the disk cap."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from edge.config import Config, WebConfig
from edge.errors import ConfigError
from edge.homework import library_paths
from edge.inference.recognition import Recognizer
from edge.service import Credentials, GatewayService


@pytest.fixture(scope="module")
def reader() -> Recognizer:
    return Recognizer.load()


def service(tmp_path: Path, sections: dict[str, dict[str, object]]) -> GatewayService:
    config = Config("gw", tmp_path / "g.db", web=WebConfig(port=0), sections=sections)
    return GatewayService(config, Credentials("", "", "k"))


def test_library_loads_once_and_the_cap_holds_without_a_broker(
    tmp_path: Path, reader: Recognizer
) -> None:
    svc = service(tmp_path, {"uplink": {"disk_cap_mb": 8}})
    svc.start(reader=reader)
    try:
        assert len(svc.services.assignments) == len(library_paths())
        page_limit = svc.store.conn.execute("PRAGMA max_page_count").fetchone()[0]
        page_size = svc.store.conn.execute("PRAGMA page_size").fetchone()[0]
        assert page_limit * page_size == 8 * 1024 * 1024
        marks = [svc.store.meta(f"library:{p.name}") for p in library_paths()]
        assert all(marks)
    finally:
        svc.stop()


def test_a_bad_cap_is_a_config_error(tmp_path: Path, reader: Recognizer) -> None:
    svc = service(tmp_path, {"uplink": {"disk_cap_mb": "lots"}})
    with pytest.raises(ConfigError, match="disk_cap_mb"):
        svc.start(reader=reader)
    svc.stop()


def test_learning_data_goes_to_the_outbox_and_validates(
    tmp_path: Path, reader: Recognizer
) -> None:
    import json

    from edge.models import (
        Answer,
        Candidate,
        Dot,
        PageAddress,
        Reading,
        Stroke,
        Student,
    )
    from edge.publisher import LearningDataPublisher
    from edge.uplink.validation import uplink_errors

    svc = service(tmp_path, {})
    svc.start(reader=reader)
    try:
        store = svc.store
        store.save_students([Student("s01", "王一", "p-0001", 1)])
        sheet = next(iter(svc.services.assignments.values()))
        question = sheet.questions[0]
        page = question.region.page if question.region else PageAddress(0, 0, 0, 0)
        t0 = store.clock()
        strokes = [
            Stroke(
                "P",
                page,
                tuple(Dot(1, 1, 300, t0 + k * 600 + i * 10) for i in range(5)),
            )
            for k in range(4)
        ]
        store.add_strokes([(s, "s01", sheet.id, question.id) for s in strokes])
        answer = Answer(
            sheet.id,
            question.id,
            "s01",
            tuple(strokes),
            Reading((Candidate(question.answer, 0.99),)),
            None,
            started_ms=t0,
            finished_ms=t0 + 2000,
        )
        store.save_answer(answer, None)
        svc.tracker.update(
            "s01", list(question.knowledge_points) or ["M15.1"], True, 0.99
        )
        # A round sends what changed at or after its start, to the millisecond:
        # an update in the very millisecond of a round goes out twice.
        time.sleep(0.005)

        sent = LearningDataPublisher(store).publish()
        assert sent == {"mastery": 1, "homework_time": 1, "progress": 1}
        rows = store.conn.execute(
            "SELECT kind, payload FROM outbox"
            " WHERE kind IN ('mastery', 'homework_time', 'progress')"
        ).fetchall()
        assert len(rows) == 3
        for row in rows:
            message = json.loads(row["payload"])
            assert uplink_errors(message) == [], message
            assert "王一" not in row["payload"] and "s01" not in row["payload"]
        # Nothing changed since: the next round sends no mastery.
        assert LearningDataPublisher(store).publish()["mastery"] == 0
    finally:
        svc.stop()

"""Uplink payloads carry pseudonyms only and match their JSON Schemas."""

from __future__ import annotations

import json

import jsonschema
import pytest

from edge.analytics.errors import AnalyticsError
from edge.analytics.mastery import MasteryTracker
from edge.analytics.uplink import homework_time_record, mastery_records, payload_schema
from edge.store import Store
from tests.analytics.simclass import build_class


@pytest.fixture
def sim_store(store: Store) -> Store:
    build_class(store, seed=6, n_students=12)
    MasteryTracker(store).replay()
    return store


def _leaks(store: Store, payload: object) -> list[str]:
    text = json.dumps(payload, ensure_ascii=False)
    return [s.id for s in store.students() if f'"{s.id}"' in text or s.name in text]


def test_mastery_records_are_pseudonymous_and_valid(sim_store: Store) -> None:
    records = mastery_records(sim_store)
    assert len(records) == 12 * 6
    jsonschema.validate(records, payload_schema("mastery"))
    assert {r["student"] for r in records} == {
        s.pseudonym for s in sim_store.students()
    }
    assert _leaks(sim_store, records) == []


def test_mastery_records_since(sim_store: Store) -> None:
    latest = max(r["updated_ms"] for r in mastery_records(sim_store))
    assert all(
        r["updated_ms"] >= latest for r in mastery_records(sim_store, since_ms=latest)
    )


def test_students_off_the_roster_are_held_back(store: Store) -> None:
    MasteryTracker(store).update("walk-in", ["K"], True, 1.0)
    assert mastery_records(store) == []


def test_homework_time_record(sim_store: Store) -> None:
    record = homework_time_record(sim_store, "S3")
    jsonschema.validate(record, payload_schema("homework_time"))
    assert record["n_students"] == 12 and len(record["students"]) == 12
    assert record["days"][0]["limit_minutes"] == 90.0
    assert _leaks(sim_store, record) == []


def test_schema_rejects_a_local_id_field() -> None:
    bad = [
        {
            "student_id": "s1",
            "knowledge_point": "K",
            "p_mastered": 0.5,
            "evidence": 1,
            "n_answers": 1,
            "updated_ms": 0,
        }
    ]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, payload_schema("mastery"))


def test_unknown_kind_and_assignment(store: Store) -> None:
    with pytest.raises(AnalyticsError):
        payload_schema("ink")
    with pytest.raises(AnalyticsError):
        homework_time_record(store, "nope")

"""The published JSON Schemas: well formed, matching the producers, strict on privacy."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any, get_type_hints

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from edge.models import (
    Answer,
    Candidate,
    Dot,
    PageAddress,
    Question,
    QuestionType,
    Reading,
    Stroke,
    Verdict,
    Vote,
)
from edge.uplink import payloads, validation

KP = ("fractions", "ratio")


def envelope(kind: str, data: Any, seq: int = 1) -> dict[str, Any]:
    return {
        "v": 1,
        "gateway": "gw-a",
        "seq": seq,
        "id": str(uuid.uuid4()),
        "kind": kind,
        "sent_at": "2026-09-01T08:00:00+00:00",
        "data": data,
    }


GRADED = Verdict(True, 2.0, 2.0, "ok", "对", "exact")


def answer(verdict: Verdict | None = GRADED) -> Answer:
    reading = Reading((Candidate("3/4", 0.93), Candidate("3/7", 0.05)))
    return Answer("math-7-3", "q1", "s-17", (), reading, verdict, False, 1000, 9000)


def samples() -> dict[str, Any]:
    """One record of every kind, built the way the gateway's code builds them."""
    stroke = Stroke(
        "9C:7B:D2:00:11:22",
        PageAddress(3, 27, 603, 1),
        (
            Dot(10.5, 20.25, 300, 1_780_000_000_000),
            Dot(11.0, 21.0, 280, 1_780_000_000_010),
        ),
    )
    return {
        "result": payloads.result_record(answer(), "p-1f2e", KP),
        "vote": payloads.vote_record(
            Vote("C1", "B", 7, -60, 1_780_000_000_000, "poll-1"), "p-1"
        ),
        "progress": {
            "student": "p-1",
            "assignment": "math-7-3",
            "answered": 7,
            "correct": 5,
            "total": 10,
            "finished": False,
            "updated_ms": 1_780_000_000_000,
        },
        "mastery": {
            "student": "p-1",
            "knowledge_point": "fractions",
            "p_mastered": 0.82,
            "evidence": 4.5,
            "n_answers": 6,
            "updated_ms": 1_780_000_000_000,
        },
        "homework_time": {
            "assignment_id": "math-7-3",
            "subject": "math",
            "grade": 7,
            "estimated_minutes": 20.0,
            "n_students": 2,
            "median_minutes": 18.5,
            "p90_minutes": 25.0,
            "pause_threshold_s": 120,
            "days": [
                {
                    "date": "2026-09-01",
                    "assignments": ["math-7-3"],
                    "n_students": 2,
                    "median_total_minutes": 40.0,
                    "max_total_minutes": 70.0,
                    "estimated_total_minutes": 60.0,
                    "limit_minutes": 90.0,
                    "students_over_limit": 0,
                    "measured_exceeded": False,
                    "estimated_exceeded": False,
                }
            ],
            "students": [{"student": "p-1", "active_minutes": 18.5}],
        },
        "status": payloads.status_record(
            "disk_cap", 12, 0, 3.5, (1000, 4000), {"ink_uplink": 3}, {"ink_uplink": 9}
        ),
        "ink": payloads.ink_record([stroke], "p-1", stroke.page, "math-7-3", "q1"),
    }


def test_every_schema_is_valid_2020_12() -> None:
    names = validation.schema_names()
    assert {*validation.UPLINK_KINDS, "envelope", "common", "presence"} <= set(names)
    for name in names:
        Draft202012Validator.check_schema(validation.load_schema(name))


@pytest.mark.parametrize("kind", validation.UPLINK_KINDS)
def test_each_kind_validates_one_record_and_a_batch(kind: str) -> None:
    record = samples()[kind]
    assert validation.uplink_errors(envelope(kind, record)) == []
    assert validation.uplink_errors(envelope(kind, [record, record])) == []
    assert validation.uplink_errors(envelope(kind, [])) != []


@pytest.mark.parametrize("kind", validation.UPLINK_KINDS)
def test_inlined_validator_agrees_with_the_published_files(kind: str) -> None:
    published = Draft202012Validator(
        validation.load_schema(kind), registry=validation.registry()
    )
    good = envelope(kind, samples()[kind])
    bad = copy.deepcopy(good)
    bad["data"]["name"] = "Wang Fang"
    assert published.is_valid(good) and validation.uplink_errors(good) == []
    assert not published.is_valid(bad) and validation.uplink_errors(bad) != []


def test_the_gateways_own_result_payload_validates() -> None:
    from edge.results import result_payload

    question = Question(
        "q1", QuestionType.NUMERIC, "3/4", points=2.0, knowledge_points=KP
    )
    for verdict in (Verdict(False, 0.0, 2.0, "no", "错", "wrong"), None):
        record = result_payload(answer(verdict), question, "p-1f2e")
        assert validation.uplink_errors(envelope("result", record)) == [], record


@pytest.mark.parametrize(
    ("kind", "typed"),
    [("mastery", "MasteryRecord"), ("homework_time", "HomeworkTimeRecord")],
)
def test_schemas_match_the_analytics_record_types(kind: str, typed: str) -> None:
    from edge.analytics import types

    fields = set(get_type_hints(getattr(types, typed)))
    record = validation.load_schema(kind)["$defs"]["record"]
    assert set(record["required"]) <= fields
    assert fields <= set(record["properties"])


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("result", "name", "Wang Fang"),  # names never leave the gateway
        ("result", "student_id", "s-17"),  # nor the roster id
        ("ink", "pen", "9C:7B:D2:00:11:22"),  # nor the pen-to-student map
        ("vote", "clicker", "C1"),  # nor the clicker-to-student map
        ("result", "correct", "yes"),
        ("mastery", "p_mastered", 1.5),
        ("ink", "page", "3.27.603"),
    ],
)
def test_private_or_malformed_fields_are_refused(
    kind: str, field: str, value: Any
) -> None:
    record = dict(samples()[kind])
    record[field] = value
    problems = validation.uplink_errors(envelope(kind, record))
    assert problems and problems[0].startswith("data")


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"v": 2}, "v"),
        ({"seq": 0}, "seq"),
        ({"id": "not-a-uuid"}, "id"),
        ({"gateway": "gw/a"}, "gateway"),
        ({"sent_at": "yesterday"}, "sent_at"),
        ({"extra": 1}, "(root)"),
    ],
)
def test_bad_envelopes_are_refused(change: dict[str, Any], where: str) -> None:
    message = envelope("vote", samples()["vote"]) | change
    problems = validation.uplink_errors(message)
    assert problems and problems[0].startswith(where)


def test_unknown_kinds_and_non_objects_have_no_schema() -> None:
    assert "no schema" in validation.uplink_errors(envelope("report", {}))[0]
    assert validation.uplink_errors([1, 2]) == ["(root): not a JSON object"]


def test_presence_and_its_last_will_validate() -> None:
    for online, now in ((True, 1_780_000_000_000), (False, None)):
        presence = payloads.presence("gw-a", online, now)
        assert validation.errors("presence", presence) == []


def test_the_outbox_envelope_validates(store: Any) -> None:
    from edge.store import outbox

    store.enqueue("vote", samples()["vote"])
    row = outbox.pending(store.conn, 1)[0]
    assert validation.uplink_errors(json.loads(row["payload"])) == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=30,
)


@given(data=json_values, kind=st.sampled_from(validation.UPLINK_KINDS))
def test_random_data_gives_a_clean_verdict(data: Any, kind: str) -> None:
    problems = validation.uplink_errors(envelope(kind, data))
    assert isinstance(problems, list)
    assert len(problems) <= validation.MAX_ERRORS


@given(data=json_values, kind=st.sampled_from(validation.UPLINK_KINDS))
def test_fast_check_agrees_with_jsonschema(data: Any, kind: str) -> None:
    for message in (envelope(kind, data), envelope(kind, samples()[kind])):
        full = validation.validator(kind).is_valid(message)
        assert (validation.uplink_errors(message) == []) == full

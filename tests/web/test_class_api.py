"""Review queue, student view, ink replay, CSV export and the projector."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge.events import EventBus
from edge.models import (
    Answer,
    Assignment,
    Candidate,
    Dot,
    PageAddress,
    Question,
    QuestionType,
    Reading,
    Rect,
    Region,
    Stroke,
    Student,
    Verdict,
)
from edge.review import ReviewDesk
from edge.store import Store
from edge.web import create_app
from edge.web.security import hash_password, hash_token
from edge.web.services import WebServices

TOKEN = "tok"
PAGE = PageAddress(3, 27, 1001, 1)
Q1 = Question(
    "q1", QuestionType.NUMERIC, "12", region=Region(PAGE, Rect(60, 10, 14, 5))
)
ASSIGNMENT = Assignment("m1", "math", 8, "有理数", 15, (PAGE,), (Q1,))
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def exact_grader(question: Question, text: str) -> Verdict:
    ok = text == question.answer
    return Verdict(
        ok, float(ok), 1.0, "equal" if ok else "different", "相等" if ok else "不同"
    )


@pytest.fixture
def services(store: Store) -> WebServices:
    store.save_students(
        [Student("s01", "王一", "p-1", 1), Student("s02", "李二", "p-2", 2)]
    )
    strokes = tuple(
        Stroke(
            "PEN",
            PAGE,
            tuple(
                Dot(61 + i + k * 0.1, 12, 300, 1000 + i * 400 + k * 10)
                for k in range(5)
            ),
        )
        for i in range(2)
    )
    store.add_strokes([(s, "s01", "m1", "q1") for s in strokes])
    unsure = Reading((Candidate("17", 0.41), Candidate("12", 0.39)))
    store.save_answer(
        Answer(
            "m1",
            "q1",
            "s01",
            strokes,
            unsure,
            None,
            needs_review=True,
            started_ms=1000,
            finished_ms=1450,
        ),
        None,
    )
    store.save_answer(
        Answer(
            "m1",
            "q1",
            "s02",
            (),
            Reading((Candidate("12", 0.99),)),
            exact_grader(Q1, "12"),
        ),
        None,
    )
    bus = EventBus()
    services = WebServices(
        store=store,
        bus=bus,
        assignments={"m1": ASSIGNMENT},
        teacher_password_hash=hash_password("pw"),
        api_token_hash=hash_token(TOKEN),
        secret_key="k",
        gateway_id="gw",
    )
    services.review = ReviewDesk(store, services.assignments, exact_grader, bus)
    return services


@pytest.fixture
def client(services: WebServices) -> FlaskClient:
    app: Flask = create_app(services, TESTING=True)
    return app.test_client()


def unsure_id(client: FlaskClient) -> int:
    items = client.get("/api/v1/review", headers=AUTH).get_json()["items"]
    assert len(items) == 1
    return int(items[0]["id"])


def test_review_queue_lists_the_uncertain_answer_with_candidates(
    client: FlaskClient,
) -> None:
    item = client.get("/api/v1/review", headers=AUTH).get_json()["items"][0]
    assert item["student_name"] == "王一"
    assert [c["text"] for c in item["candidates"]] == ["17", "12"]


def test_correcting_grades_the_answer_and_queues_the_result(
    client: FlaskClient, store: Store
) -> None:
    answer_id = unsure_id(client)
    before = store.outbox_count()
    r = client.post(
        f"/api/v1/review/{answer_id}",
        json={"decision": "correct", "text": "12"},
        headers=AUTH,
    )
    assert r.status_code == 200
    assert r.get_json()["correct"] == 1
    assert store.outbox_count() == before + 1
    assert client.get("/api/v1/review", headers=AUTH).get_json()["items"] == []
    labels = store.review_labels()
    assert [(r["machine_reading"], r["label"], r["decision"]) for r in labels] == [
        ("17", "12", "correct")
    ]


def test_confirm_accepts_the_machine_reading(client: FlaskClient) -> None:
    answer_id = unsure_id(client)
    r = client.post(
        f"/api/v1/review/{answer_id}", json={"decision": "confirm"}, headers=AUTH
    )
    assert r.get_json()["reading"] == "17"
    assert r.get_json()["correct"] == 0


def test_mark_sets_the_verdict_without_a_reading(client: FlaskClient) -> None:
    answer_id = unsure_id(client)
    r = client.post(
        f"/api/v1/review/{answer_id}",
        json={"decision": "mark", "correct": True},
        headers=AUTH,
    )
    assert r.get_json()["correct"] == 1
    assert r.get_json()["verdict_code"] == "teacher_mark"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"decision": "guess"}, 400),
        ({"decision": "correct", "text": ""}, 400),
        ({"decision": "correct", "text": "1" * 500}, 400),
        ({"decision": "mark"}, 400),
        ({"decision": "mark", "correct": "yes"}, 400),
        ([1, 2], 400),
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(
    client: FlaskClient, store: Store, body: object, status: int
) -> None:
    answer_id = unsure_id(client)
    r = client.post(f"/api/v1/review/{answer_id}", json=body, headers=AUTH)
    assert r.status_code == status
    assert unsure_id(client) == answer_id


def test_unknown_answer_is_404(client: FlaskClient) -> None:
    r = client.post("/api/v1/review/999", json={"decision": "confirm"}, headers=AUTH)
    assert r.status_code == 404


def test_session_changes_need_the_csrf_token(client: FlaskClient) -> None:
    page = client.get("/login")
    csrf = page.get_data(as_text=True).split('name="csrf" value="')[1].split('"')[0]
    client.post("/login", data={"password": "pw", "csrf": csrf})
    answer_id = unsure_id(client)
    assert (
        client.post(
            f"/api/v1/review/{answer_id}", json={"decision": "confirm"}
        ).status_code
        == 403
    )
    # Logging in starts a new session with a new token; pages carry it in a meta tag.
    page_token = (
        client.get("/").get_data(as_text=True).split('name="csrf-token" content="')[1]
    )
    page_token = page_token.split('"')[0]
    assert page_token != csrf
    ok = client.post(
        f"/api/v1/review/{answer_id}",
        json={"decision": "confirm"},
        headers={"X-CSRF-Token": page_token},
    )
    assert ok.status_code == 200


def test_student_view_has_every_question_with_reason(client: FlaskClient) -> None:
    body = client.get("/api/v1/assignments/m1/students/s02", headers=AUTH).get_json()
    assert body["student"]["name"] == "李二"
    assert body["answers"][0]["reading"] == "12"
    assert body["answers"][0]["reason_zh"] == "相等"
    assert (
        client.get("/api/v1/assignments/m1/students/nobody", headers=AUTH).status_code
        == 404
    )


def test_ink_replay_has_strokes_in_time_order_relative_to_start(
    client: FlaskClient,
) -> None:
    answer_id = unsure_id(client)
    ink = client.get(f"/api/v1/answers/{answer_id}/ink", headers=AUTH).get_json()
    assert ink["region"] == {"x": 60, "y": 10, "width": 14, "height": 5}
    assert len(ink["strokes"]) == 2
    assert ink["strokes"][0][0][2] == 0
    assert ink["strokes"][1][0][2] == 400


def test_csv_export_has_every_student_and_question(client: FlaskClient) -> None:
    r = client.get("/api/v1/assignments/m1/export.csv", headers=AUTH)
    text = r.get_data(as_text=True)
    lines = text.lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("seat,student_id,name")
    assert len(lines) == 3
    assert "李二" in lines[2] and ",12," in lines[2]


def test_projector_shows_no_names(client: FlaskClient, services: WebServices) -> None:
    answer_id = unsure_id(client)
    assert (
        client.post(
            "/api/v1/projector", json={"answer_id": answer_id}, headers=AUTH
        ).status_code
        == 200
    )
    body = client.get("/api/v1/projector", headers=AUTH).get_data(as_text=True)
    assert "王一" not in body and "李二" not in body and "s01" not in body
    assert '"answer":{' in body.replace(" ", "")
    assert (
        client.post(
            "/api/v1/projector", json={"answer_id": 999}, headers=AUTH
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    "path", ["/", "/review", "/student/m1/s01", "/projector", "/report/m1"]
)
def test_pages_render_after_login(client: FlaskClient, path: str) -> None:
    page = client.get("/login")
    csrf = page.get_data(as_text=True).split('name="csrf" value="')[1].split('"')[0]
    client.post("/login", data={"password": "pw", "csrf": csrf})
    r = client.get(path)
    assert r.status_code == 200
    assert "<script" in r.get_data(as_text=True)

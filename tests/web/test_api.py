"""The teacher page's API and login, through Flask's test client."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge.events import EventBus
from edge.models import (
    Answer,
    Assignment,
    Candidate,
    PageAddress,
    Question,
    QuestionType,
    Reading,
    Student,
    Verdict,
)
from edge.store import Store
from edge.uplink.payloads import result_record
from edge.web import auth, create_app
from edge.web.security import hash_password, hash_token
from edge.web.services import WebServices

TOKEN = "t0ken-for-tests"
PASSWORD = "correct horse"
ASSIGNMENT = Assignment(
    "math-1",
    "math",
    8,
    "一次函数",
    20,
    (PageAddress(3, 27, 1001, 1),),
    (
        Question("q1", QuestionType.NUMERIC, "-3/4"),
        Question("q2", QuestionType.NUMERIC, "5"),
    ),
)


@pytest.fixture
def app(store: Store) -> Flask:
    auth.limiter._failures.clear()
    store.save_students(
        [Student("s01", "王一", "p-1", 1), Student("s02", "李二", "p-2", 2)]
    )
    for student, reading, correct in [("s01", "-3/4", True), ("s02", "3/4", False)]:
        answer = Answer(
            "math-1",
            "q1",
            student,
            (),
            Reading((Candidate(reading, 0.98),)),
            Verdict(correct, float(correct), 1.0, "", "", ""),
        )
        store.save_answer(answer, result_record(answer, f"p-{student}"))
    services = WebServices(
        store=store,
        bus=EventBus(),
        assignments={"math-1": ASSIGNMENT},
        teacher_password_hash=hash_password(PASSWORD),
        api_token_hash=hash_token(TOKEN),
        secret_key="test-secret",
        gateway_id="gw-test",
    )
    return create_app(services, TESTING=True)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: FlaskClient, password: str = PASSWORD) -> int:
    page = client.get("/login")
    csrf = page.get_data(as_text=True).split('name="csrf" value="')[1].split('"')[0]
    return client.post("/login", data={"password": password, "csrf": csrf}).status_code


def test_healthz_is_public_and_has_no_class_data(client: FlaskClient) -> None:
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "gateway": "gw-test"}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/summary", "/api/v1/assignments", "/api/v1/assignments/math-1/results"],
)
def test_api_needs_a_token_or_login(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers=bearer("wrong")).status_code == 401
    assert client.get(path, headers=bearer()).status_code == 200


def test_summary_counts(client: FlaskClient) -> None:
    body = client.get("/api/v1/summary", headers=bearer()).get_json()
    assert body["students"] == 2
    assert body["answers_received"] == 2
    assert body["answers_graded"] == 2
    assert body["outbox_pending"] == 2


def test_assignments_list_their_ids(client: FlaskClient) -> None:
    body = client.get("/api/v1/assignments", headers=bearer()).get_json()
    assert [a["id"] for a in body["assignments"]] == ["math-1"]


def test_results_have_rates_and_distributions(client: FlaskClient) -> None:
    body = client.get("/api/v1/assignments/math-1/results", headers=bearer()).get_json()
    q1, q2 = body["questions"]
    assert q1["correct_rate"] == 0.5
    assert {d["reading"]: d["count"] for d in q1["distribution"]} == {
        "-3/4": 1,
        "3/4": 1,
    }
    assert q1["common_wrong"] == [{"reading": "3/4", "count": 1}]
    assert q2["answers"] == 0 and q2["correct_rate"] is None
    assert body["answered_students"] == 2


def test_unknown_assignment_is_404_json(client: FlaskClient) -> None:
    r = client.get("/api/v1/assignments/nope/results", headers=bearer())
    assert r.status_code == 404
    assert "nope" in r.get_json()["detail"]


def test_pages_redirect_to_login(client: FlaskClient) -> None:
    r = client.get("/")
    assert r.status_code == 302
    assert "/login" in r.headers["Location"]


def test_login_sets_a_safe_cookie_and_opens_the_page(client: FlaskClient) -> None:
    page = client.get("/login")
    csrf = page.get_data(as_text=True).split('name="csrf" value="')[1].split('"')[0]
    r = client.post("/login", data={"password": PASSWORD, "csrf": csrf})
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/summary").status_code == 200


def test_wrong_password_is_refused_and_rate_limited(client: FlaskClient) -> None:
    codes = [login(client, "guess") for _ in range(6)]
    assert codes == [401] * 5 + [429]
    # Even the right password waits out the lock.
    assert login(client) == 429


def test_open_redirect_after_login_is_refused(client: FlaskClient) -> None:
    page = client.get("/login")
    csrf = page.get_data(as_text=True).split('name="csrf" value="')[1].split('"')[0]
    r = client.post(
        "/login?next=//evil.example/", data={"password": PASSWORD, "csrf": csrf}
    )
    assert r.headers["Location"] == "/"


def test_chinese_first_english_available_and_remembered(app: Flask) -> None:
    client = app.test_client()
    assert "教师密码" in client.get("/login").get_data(as_text=True)
    assert "Teacher password" in client.get("/login?lang=en").get_data(as_text=True)
    assert "Teacher password" in client.get("/login").get_data(as_text=True)


def test_language_link_keeps_the_next_page(client: FlaskClient) -> None:
    page = client.get("/login?next=/review").get_data(as_text=True)
    assert "next=%2Freview" in page and "lang=en" in page


def test_login_without_the_form_token_is_refused(client: FlaskClient) -> None:
    client.get("/login")
    assert client.post("/login", data={"password": PASSWORD}).status_code == 403


def test_favicon_is_served(client: FlaskClient) -> None:
    r = client.get("/favicon.ico")
    assert r.status_code == 301
    with client.get(r.headers["Location"]) as icon:
        assert icon.status_code == 200
        assert b"<svg" in icon.data


def test_event_stream_delivers_published_changes(app: Flask) -> None:
    services = app.config["SERVICES"]
    client = app.test_client()
    response = client.get("/api/v1/events", headers=bearer(), buffered=False)
    assert response.mimetype == "text/event-stream"
    chunks = iter(response.response)
    first = next(chunks)
    assert b"event: hello" in (first if isinstance(first, bytes) else first.encode())
    services.bus.publish("answer", {"question": "q1"})
    change = next(chunks)
    text = change.decode() if isinstance(change, bytes) else change
    assert 'event: answer\ndata: {"question": "q1"}' in text
    response.close()

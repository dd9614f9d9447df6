"""Clicker polls through the API: start, votes, close, reveal, bad input."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from edge.events import EventBus
from edge.models import Student, Vote
from edge.polls import PollBook
from edge.store import Store
from edge.web import create_app
from edge.web.security import hash_password, hash_token
from edge.web.services import WebServices

AUTH = {"Authorization": "Bearer tok"}


@pytest.fixture
def book(store: Store) -> PollBook:
    store.save_students(
        [Student("s01", "王一", "p-1", 1), Student("s02", "李二", "p-2", 2)]
    )
    store.bind_device("00100001", "clicker", "s01")
    store.bind_device("00100002", "clicker", "s02")
    return PollBook(store, clock=store.clock)


@pytest.fixture
def client(store: Store, book: PollBook) -> FlaskClient:
    services = WebServices(
        store=store,
        bus=EventBus(),
        assignments={},
        teacher_password_hash=hash_password("pw"),
        api_token_hash=hash_token("tok"),
        secret_key="k",
        polls=book,
    )
    return create_app(services, TESTING=True).test_client()


def vote(clicker: str, answer: str, seq: int, t: int) -> Vote:
    return Vote(clicker, answer, seq, -50, t, poll_id="p1")


def test_a_whole_poll(client: FlaskClient, book: PollBook, store: Store) -> None:
    r = client.post(
        "/api/v1/polls",
        json={"kind": "single", "options": 4, "poll_id": "p1"},
        headers=AUTH,
    )
    assert r.status_code == 201
    book.record(vote("00100001", "B", 1, 10))
    book.record(vote("00100002", "C", 1, 11))
    book.record(vote("00100002", "B", 2, 12))  # a changed mind: the latest counts
    book.record(vote("00100002", "B", 2, 12))  # a retransmission counts once
    body = client.get("/api/v1/polls", headers=AUTH).get_json()
    (poll,) = body["polls"]
    assert {d["answer"]: d["count"] for d in poll["distribution"]}["B"] == 2
    assert client.post("/api/v1/polls/p1/close", headers=AUTH).status_code == 200
    book.record(vote("00100001", "D", 2, 20))  # after closing: recorded, not counted
    revealed = client.post(
        "/api/v1/polls/p1/reveal", json={"correct": "B"}, headers=AUTH
    )
    assert revealed.status_code == 200
    assert revealed.get_json()["correct_count"] == 2
    rows = store.answers("poll:p1")
    assert sorted((r["student_id"], r["correct"]) for r in rows) == [
        ("s01", 1),
        ("s02", 1),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "essay"},
        {"kind": "single", "options": "four"},
        {"kind": "single", "correct": 3},
        [1],
    ],
)
def test_bad_poll_requests_are_refused(client: FlaskClient, body: object) -> None:
    assert client.post("/api/v1/polls", json=body, headers=AUTH).status_code == 400


def test_unknown_poll_is_an_error(client: FlaskClient) -> None:
    assert client.post("/api/v1/polls/nope/close", headers=AUTH).status_code == 400


def test_without_a_receiver_polls_are_unavailable(store: Store) -> None:
    services = WebServices(
        store=store,
        bus=EventBus(),
        assignments={},
        teacher_password_hash="",
        api_token_hash=hash_token("tok"),
        secret_key="k",
    )
    client = create_app(services, TESTING=True).test_client()
    assert client.get("/api/v1/polls", headers=AUTH).status_code == 503

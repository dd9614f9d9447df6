"""Poll semantics: what counts, what is only recorded, and grading on reveal."""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.drivers.clicker.events import (
    ClickerBattery,
    ReceiverConnected,
    ReceiverDisconnected,
)
from edge.models import Student, Vote
from edge.polls import (
    Poll,
    PollBook,
    PollError,
    PollKind,
    PollState,
    VoteOutcome,
    format_number,
    is_newer,
    normalize_answer,
    parse_number,
)
from edge.store import Store
from edge.uplink.validation import uplink_errors
from tests.conftest import FakeClock


def vote(
    clicker: str, answer: str, seq: int, poll: str | None = "p1", t: int = 0
) -> Vote:
    return Vote(clicker, answer, seq, -60, 1_780_000_000_000 + t, poll)


# -- answers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "options", "text", "expected"),
    [
        (PollKind.SINGLE, 4, "b", "B"),
        (PollKind.SINGLE, 4, " C ", "C"),
        (PollKind.SINGLE, 4, "E", None),  # only A to D on a four-option question
        (PollKind.SINGLE, 4, "AB", None),
        (PollKind.SINGLE, 4, "", None),
        (PollKind.MULTIPLE, 5, "ECA", "ACE"),
        (PollKind.MULTIPLE, 5, "AAC", "AC"),
        (PollKind.MULTIPLE, 5, "AF", None),
        (PollKind.TRUE_FALSE, 0, "t", "T"),
        (PollKind.TRUE_FALSE, 0, "FALSE", "F"),
        (PollKind.TRUE_FALSE, 0, "A", None),
        (PollKind.NUMERIC, 0, "0.50", "0.5"),
        (PollKind.NUMERIC, 0, "1/2", "0.5"),
        (PollKind.NUMERIC, 0, "-2/6", "-1/3"),
        (PollKind.NUMERIC, 0, "+007", "7"),
        (PollKind.NUMERIC, 0, ".25", "0.25"),
        (PollKind.NUMERIC, 0, "3.", "3"),
        (PollKind.NUMERIC, 0, "1/0", None),
        (PollKind.NUMERIC, 0, "1e3", None),
        (PollKind.NUMERIC, 0, "-", None),
    ],
)
def test_answers_are_normalized_per_kind(
    kind: PollKind, options: int, text: str, expected: str | None
) -> None:
    assert normalize_answer(kind, options, text) == expected


@given(st.fractions(max_denominator=10**6))
def test_numbers_format_and_parse_back_exactly(value: Fraction) -> None:
    assert parse_number(format_number(value)) == value


@pytest.mark.parametrize(
    ("seq", "than", "newer"),
    [
        (5, 4, True),
        (4, 5, False),
        (0, 255, True),
        (255, 0, False),
        (127, 0, True),
        (128, 0, False),
        (7, 7, True),
    ],
)
def test_clicker_sequence_numbers_wrap(seq: int, than: int, newer: bool) -> None:
    assert is_newer(seq, than) is newer


# -- one poll -----------------------------------------------------------------


def test_latest_vote_of_a_student_counts_while_open() -> None:
    poll = Poll("p1", "single", 4)
    assert poll.vote(vote("C1", "A", 10), "s1") is VoteOutcome.COUNTED
    assert poll.vote(vote("C2", "B", 3), "s2") is VoteOutcome.COUNTED
    assert poll.vote(vote("C1", "C", 11), "s1") is VoteOutcome.CHANGED
    assert poll.distribution() == {"A": 0, "B": 1, "C": 1, "D": 0}
    assert poll.responses()["s1"].answer == "C"


def test_retransmission_counts_once_and_late_older_press_is_stale() -> None:
    poll = Poll("p1", "single", 4)
    poll.vote(vote("C1", "A", 200), "s1")
    assert poll.vote(vote("C1", "A", 200), "s1") is VoteOutcome.DUPLICATE
    poll.vote(vote("C1", "B", 201), "s1")
    # The first press arrives again after the second: it must not win.
    assert poll.vote(vote("C1", "A", 200), "s1") is VoteOutcome.DUPLICATE
    assert poll.vote(vote("C1", "D", 199), "s1") is VoteOutcome.STALE
    assert poll.distribution()["B"] == 1
    assert sum(poll.distribution().values()) == 1
    assert poll.outcomes[VoteOutcome.DUPLICATE] == 2


def test_sequence_wrap_keeps_the_latest_press() -> None:
    poll = Poll("p1", "single", 4)
    poll.vote(vote("C1", "A", 255), "s1")
    assert poll.vote(vote("C1", "B", 0), "s1") is VoteOutcome.CHANGED
    assert poll.vote(vote("C1", "C", 254), "s1") is VoteOutcome.STALE
    assert poll.responses()["s1"].answer == "B"


def test_closed_unbound_and_invalid_votes_are_not_counted() -> None:
    poll = Poll("p1", "single", 3)
    assert poll.vote(vote("C9", "A", 1), None) is VoteOutcome.UNBOUND
    assert poll.vote(vote("C1", "D", 1), "s1") is VoteOutcome.INVALID
    poll.close(now_ms=5)
    assert poll.state is PollState.CLOSED
    assert poll.vote(vote("C2", "A", 1), "s2") is VoteOutcome.CLOSED
    assert poll.unbound_clickers() == ["C9"]
    assert poll.responses() == {}
    assert poll.distribution() == {"A": 0, "B": 0, "C": 0}


def test_a_student_with_a_replacement_clicker_keeps_one_answer() -> None:
    poll = Poll("p1", "true_false")
    poll.vote(vote("C1", "T", 40), "s1")
    assert poll.vote(vote("C7", "F", 3), "s1") is VoteOutcome.CHANGED
    assert poll.distribution() == {"T": 0, "F": 1}


def test_multiple_choice_counts_combinations_and_letters() -> None:
    poll = Poll("p1", PollKind.MULTIPLE, 4, correct="CA")
    poll.vote(vote("C1", "AC", 1), "s1")
    poll.vote(vote("C2", "CA", 1), "s2")
    poll.vote(vote("C3", "B", 1), "s3")
    assert poll.distribution() == {"A": 0, "B": 1, "C": 0, "D": 0, "AC": 2}
    assert poll.option_counts() == {"A": 2, "B": 1, "C": 2, "D": 0}
    results = poll.reveal()
    assert [(r.student_id, r.correct) for r in results] == [
        ("s1", True),
        ("s2", True),
        ("s3", False),
    ]


def test_numeric_reveal_uses_exact_values_and_tolerance() -> None:
    poll = Poll("p1", "numeric", tolerance=0.01)
    poll.vote(vote("C1", "1/3", 1), "s1")
    poll.vote(vote("C2", "0.33", 1), "s2")
    poll.vote(vote("C3", "0.3", 1), "s3")
    assert poll.distribution() == {"0.3": 1, "0.33": 1, "1/3": 1}
    graded = {r.student_id: r.correct for r in poll.reveal("0.333")}
    assert graded == {"s1": True, "s2": True, "s3": False}
    assert poll.state is PollState.REVEALED


def test_reveal_needs_a_valid_answer() -> None:
    poll = Poll("p1", "single", 4)
    with pytest.raises(PollError, match="say which"):
        poll.reveal()
    with pytest.raises(PollError, match="not an answer"):
        poll.reveal("F")


@pytest.mark.parametrize(
    ("kind", "options"), [("single", 1), ("multiple", 11), ("essay", 0)]
)
def test_bad_poll_definitions_are_refused(kind: str, options: int) -> None:
    with pytest.raises(PollError):
        Poll("p1", kind, options)


presses = st.lists(st.sampled_from("ABCD"), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    classroom=st.lists(presses, min_size=1, max_size=30),
    copies=st.lists(st.integers(1, 3), min_size=400, max_size=400),
    seed=st.integers(0, 2**32),
)
def test_any_delivery_order_gives_each_students_last_press(
    classroom: list[list[str]], copies: list[int], seed: int
) -> None:
    rng = random.Random(seed)
    deliveries = []
    for n, answers in enumerate(classroom):
        start = rng.randrange(256)
        for i, answer in enumerate(answers):
            press = vote(f"C{n}", answer, (start + i) & 0xFF)
            deliveries += [press] * copies[(n * 13 + i) % len(copies)]
    rng.shuffle(deliveries)

    poll = Poll("p1", "single", 4)
    for press in deliveries:
        poll.vote(press, f"s{press.clicker[1:]}")

    expected = Counter(answers[-1] for answers in classroom)
    assert poll.distribution() == {a: expected[a] for a in "ABCD"}


# -- the poll book, with a real store -----------------------------------------


class Keypads:
    """Records the question commands a poll book gives the receiver."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, ...]] = []

    def start_question(self, poll_id: str, kind: str, options: int) -> None:
        self.commands.append(("start", poll_id, kind, str(options)))

    def stop_question(self, poll_id: str) -> None:
        self.commands.append(("stop", poll_id))


@pytest.fixture
def classroom(store: Store) -> Store:
    store.save_students(
        [Student(f"s{i}", f"Student {i}", f"p-{i:03d}", i) for i in range(1, 5)]
    )
    for i in range(1, 4):  # the fourth student has no clicker yet
        store.bind_device(f"00a0000{i}", "clicker", f"s{i}")
    return store


def vote_rows(store: Store) -> list[tuple[str | None, str, str, int]]:
    rows = store.conn.execute(
        "SELECT poll_id, clicker, answer, counted FROM votes ORDER BY id"
    ).fetchall()
    return [tuple(r) for r in rows]


def test_poll_book_runs_a_poll_and_grades_it(
    classroom: Store, clock: FakeClock
) -> None:
    keypads = Keypads()
    changes: list[str] = []
    book = PollBook(classroom, keypads, clock=clock, on_change=changes.append)

    book.start("q1", "single", 4)
    assert book.record(vote("00A00001", "B", 1, "q1")) is VoteOutcome.COUNTED
    assert book.record(vote("00A00001", "B", 1, "q1")) is VoteOutcome.DUPLICATE
    assert book.record(vote("00A00002", "C", 9, "q1")) is VoteOutcome.COUNTED
    assert book.record(vote("00A00003", "B", 4, "q1")) is VoteOutcome.COUNTED
    assert book.record(vote("00FFFFFF", "A", 4, "q1")) is VoteOutcome.UNBOUND
    live = book.snapshot()
    assert live is not None
    assert [(r["answer"], r["count"]) for r in live["distribution"]] == [
        ("A", 0),
        ("B", 2),
        ("C", 1),
        ("D", 0),
    ]
    assert live["correct"] is None
    assert live["unbound"] == ["00FFFFFF"]

    book.close()
    assert book.record(vote("00A00002", "B", 10, "q1")) is VoteOutcome.CLOSED
    revealed = book.reveal(correct="B")

    assert keypads.commands == [("start", "q1", "single", "4"), ("stop", "q1")]
    assert revealed["correct"] == "B"
    assert revealed["correct_count"] == 2
    assert revealed["state"] == "revealed"
    assert changes and set(changes) == {"q1"}
    assert vote_rows(classroom) == [
        ("q1", "00A00001", "B", 1),
        ("q1", "00A00002", "C", 1),
        ("q1", "00A00003", "B", 1),
        ("q1", "00FFFFFF", "A", 0),
        ("q1", "00A00002", "B", 0),
    ]
    answers = {r["student_id"]: r for r in classroom.answers("poll:q1")}
    assert {s: (a["reading"], a["correct"]) for s, a in answers.items()} == {
        "s1": ("B", 1),
        "s2": ("C", 0),
        "s3": ("B", 1),
    }


def test_reveal_puts_schema_valid_results_in_the_outbox(
    classroom: Store, clock: FakeClock
) -> None:
    book = PollBook(classroom, clock=clock)
    book.start("q2", "true_false", correct="T")
    book.record(vote("00A00001", "T", 1, "q2"))
    book.record(vote("00A00002", "F", 1, "q2"))
    book.reveal()

    rows = classroom.conn.execute("SELECT kind, payload FROM outbox").fetchall()
    everything = [json.loads(r["payload"]) for r in rows]
    # Each press goes up as a vote when stored; the grades follow on reveal.
    assert [r["kind"] for r in rows] == ["vote", "vote", "result", "result"]
    for message in everything:
        assert uplink_errors(message) == []
    votes = sorted(
        (m["data"][0]["student"], m["data"][0]["answer"])
        for m in everything
        if m["kind"] == "vote"
    )
    assert votes == [("p-001", "T"), ("p-002", "F")]
    messages = [m for m in everything if m["kind"] == "result"]
    data = sorted((m["data"]["student"], m["data"]["correct"]) for m in messages)
    assert data == [("p-001", True), ("p-002", False)]
    assert all(m["data"]["assignment"] == "poll:q2" for m in messages)
    assert "s1" not in json.dumps(everything)  # roster ids stay on the gateway
    assert "00A00001" not in json.dumps(everything)  # so do clicker addresses


def test_revealing_again_regrades_and_sends_the_correction(
    classroom: Store, clock: FakeClock
) -> None:
    book = PollBook(classroom, clock=clock)
    book.start("q5", "numeric", tolerance=0.05)
    book.record(vote("00A00001", "3.1", 1, "q5"))
    book.record(vote("00A00002", "22/7", 1, "q5"))
    assert book.reveal(correct="3")["correct_count"] == 0
    assert book.reveal(correct="3.14")["correct_count"] == 2
    assert [r.correct for r in book.results("q5")] == [True, True]
    assert {a["correct"] for a in classroom.answers("poll:q5")} == {1}
    # Two votes, then two results per reveal.
    assert classroom.outbox_count() == 2 + 4


def test_votes_without_a_known_poll_are_recorded_only(
    classroom: Store, clock: FakeClock
) -> None:
    book = PollBook(classroom, clock=clock)
    assert book.record(vote("00A00001", "A", 1, None)) is VoteOutcome.NO_POLL
    assert book.record(vote("00A00001", "A", 2, "old")) is VoteOutcome.NO_POLL
    assert vote_rows(classroom) == [
        (None, "00A00001", "A", 0),
        ("old", "00A00001", "A", 0),
    ]


def test_a_vote_the_store_refused_is_not_counted(
    classroom: Store, clock: FakeClock
) -> None:
    book = PollBook(classroom, clock=clock)
    book.start("q3", "single", 2)
    classroom.conn.execute("DROP TABLE votes")
    with pytest.raises(sqlite3.OperationalError, match="votes"):
        book.record(vote("00A00001", "A", 1, "q3"))
    snap = book.snapshot("q3")
    assert snap is not None
    assert snap["responses"] == 0


def test_a_batch_is_judged_in_order_and_stored_in_one_commit(
    classroom: Store, clock: FakeClock
) -> None:
    book = PollBook(classroom, clock=clock)
    book.start("q4", "single", 3)
    batch = [
        vote("00A00001", "A", 7, "q4"),
        vote("00A00001", "A", 7, "q4"),  # repeated within the same read
        vote("00A00001", "C", 8, "q4"),
        vote("00A00002", "B", 1, "q4"),
    ]
    outcomes = book.record_all(batch)
    assert outcomes == [
        VoteOutcome.COUNTED,
        VoteOutcome.DUPLICATE,
        VoteOutcome.CHANGED,
        VoteOutcome.COUNTED,
    ]
    assert len(vote_rows(classroom)) == 3

    classroom.conn.execute("DROP TABLE votes")
    with pytest.raises(sqlite3.OperationalError):
        book.record_all(
            [vote("00A00003", "A", 1, "q4"), vote("00A00002", "C", 2, "q4")]
        )
    snap = book.snapshot("q4")
    assert snap is not None
    assert [(r["answer"], r["count"]) for r in snap["distribution"]] == [
        ("A", 0),
        ("B", 1),
        ("C", 1),
    ]


def test_starting_a_poll_closes_the_open_one(
    classroom: Store, clock: FakeClock
) -> None:
    keypads = Keypads()
    book = PollBook(classroom, keypads, clock=clock)
    book.start("a", "single", 2)
    book.start("b", "numeric")
    assert [s["state"] for s in book.snapshots()] == ["closed", "open"]
    assert book.current_id == "b"
    with pytest.raises(PollError, match="already"):
        book.start("a", "single", 2)
    with pytest.raises(PollError, match="say which"):
        book.reveal("b")
    assert book.snapshot("b")["state"] == "open"  # type: ignore[index]


def test_poll_book_follows_the_receiver(classroom: Store, clock: FakeClock) -> None:
    book = PollBook(classroom, clock=clock)
    book.handle(ReceiverConnected("/dev/ttyACM0", 1, "1.0.0", 7, "00C0FFEE", None))
    book.handle(ClickerBattery("00A00001", 15, 2400, -70, 0))
    assert book.status["connected"] is True
    assert book.status["batteries"] == {"00A00001": 15}
    book.handle(ReceiverDisconnected("/dev/ttyACM0", "unplugged", 5))
    assert book.status["connected"] is False
    assert book.status["batteries"] == {"00A00001": 15}
    book.start("q", "single", 2)
    book.handle(vote("00A00002", "A", 1, "q"))
    assert book.snapshot()["responses"] == 1  # type: ignore[index]

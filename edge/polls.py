"""Class polls with clickers: what counts, what is only recorded, and grading.

:class:`Poll` is pure. While a poll is open the latest answer of each
student counts; a retransmission (same clicker, sequence number and answer)
counts once; a vote for a closed poll, from a clicker bound to nobody, or
that does not fit the question is recorded but not counted. Votes of one
clicker are ordered by their sequence number, not by arrival, because the
receiver may deliver an older press late, after a retransmission.

:class:`PollBook` runs the polls of a classroom: it starts and stops the
question on the receiver, stores every vote, and on reveal writes each
student's graded answer to the store and the outbox.
"""

from __future__ import annotations

import copy
import enum
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol, TypedDict

from edge.drivers.clicker.events import (
    ClickerBattery,
    ReceiverConnected,
    ReceiverDisconnected,
    ReceiverFault,
)
from edge.errors import EdgeError
from edge.models import Answer, Candidate, Reading, Verdict, Vote
from edge.uplink.payloads import result_record

LETTERS = "ABCDEFGHIJ"  # keypads have ten letter keys
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(/\d+)?$")


class PollError(EdgeError):
    """A poll was asked to do something it cannot (bad kind, unknown poll)."""


class PollKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    NUMERIC = "numeric"

    @property
    def has_options(self) -> bool:
        """Whether the keypad offers lettered options for this kind."""
        return self in (PollKind.SINGLE, PollKind.MULTIPLE)


class PollState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    REVEALED = "revealed"


class VoteOutcome(enum.StrEnum):
    """What became of one vote."""

    COUNTED = "counted"  # the student's first answer
    CHANGED = "changed"  # replaces the student's earlier answer
    DUPLICATE = "duplicate"  # a retransmission: neither counted nor recorded again
    STALE = "stale"  # older than the clicker's counted press
    CLOSED = "closed"  # the poll is closed
    NO_POLL = "no_poll"  # no poll of that id (none open, or from an earlier run)
    UNBOUND = "unbound"  # the clicker is bound to no seat
    INVALID = "invalid"  # not an answer to this kind of question

    @property
    def counted(self) -> bool:
        """Whether the vote now counts in the distribution."""
        return self in (VoteOutcome.COUNTED, VoteOutcome.CHANGED)

    @property
    def recorded(self) -> bool:
        """Whether the vote goes into the store."""
        return self is not VoteOutcome.DUPLICATE


def option_labels(kind: PollKind, options: int) -> tuple[str, ...]:
    """The answers a keypad offers for a kind of question."""
    if kind.has_options:
        return tuple(LETTERS[:options])
    return ("T", "F") if kind is PollKind.TRUE_FALSE else ()


def normalize_answer(kind: PollKind, options: int, text: str) -> str | None:
    """The canonical form of an answer, or None if it does not fit the question."""
    raw = text.strip().upper()
    if kind is PollKind.NUMERIC:
        value = parse_number(raw)
        return None if value is None else format_number(value)
    labels = option_labels(kind, options)
    if kind is PollKind.TRUE_FALSE:
        raw = {"TRUE": "T", "FALSE": "F"}.get(raw, raw)
        return raw if raw in labels else None
    if not raw or any(c not in labels for c in raw):
        return None
    if kind is PollKind.SINGLE:
        return raw if len(raw) == 1 else None
    return "".join(sorted(set(raw)))


def parse_number(text: str) -> Fraction | None:
    """A decimal or ``a/b`` keypad entry as an exact number."""
    if not _NUMBER.match(text):
        return None
    numerator, _, denominator = text.partition("/")
    if denominator and int(denominator) == 0:
        return None
    return Fraction(numerator) / Fraction(denominator or 1)


def format_number(value: Fraction) -> str:
    """A number as keypads show it: integer, terminating decimal, or ``a/b``."""
    if value.denominator == 1:
        return str(value.numerator)
    rest = value.denominator
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    if rest != 1:
        return f"{value.numerator}/{value.denominator}"
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    digits = str(abs(int(value * 10**places))).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def is_newer(seq: int, than: int) -> bool:
    """Whether clicker sequence number ``seq`` follows ``than`` (8-bit, wrapping)."""
    return (seq - than) & 0xFF < 0x80


@dataclass(frozen=True, slots=True)
class Response:
    """A student's counted answer."""

    student_id: str
    clicker: str
    answer: str
    seq: int
    received_ms: int


@dataclass(frozen=True, slots=True)
class PollResult:
    """A student's answer graded against the revealed answer."""

    student_id: str
    clicker: str
    answer: str
    correct: bool
    received_ms: int


class Poll:
    """One question put to the class; pure, not thread-safe."""

    def __init__(
        self,
        poll_id: str,
        kind: PollKind | str,
        options: int = 0,
        correct: str | None = None,
        *,
        tolerance: float = 0.0,
        opened_ms: int = 0,
    ) -> None:
        try:
            self.kind = PollKind(kind)
        except ValueError:
            raise PollError(f"unknown poll kind {kind!r}") from None
        if self.kind.has_options and not 2 <= options <= len(LETTERS):
            raise PollError(f"a {self.kind} poll needs 2 to 10 options, not {options}")
        self.poll_id = poll_id
        self.options = options if self.kind.has_options else 0
        self.tolerance = Fraction(tolerance)
        self.opened_ms = opened_ms
        self.closed_ms: int | None = None
        self.state = PollState.OPEN
        self.correct = None if correct is None else self.key_of(correct)
        self.outcomes: Counter[VoteOutcome] = Counter()
        self._seen: set[tuple[str, int, str]] = set()
        self._latest_seq: dict[str, int] = {}
        self._responses: dict[str, Response] = {}
        self._unbound: set[str] = set()

    @property
    def labels(self) -> tuple[str, ...]:
        """The keypad answers shown even when nobody chose them."""
        return option_labels(self.kind, self.options)

    # -- votes ---------------------------------------------------------------

    def vote(self, vote: Vote, student_id: str | None) -> VoteOutcome:
        """Count or record one vote; returns what became of it."""
        outcome = self._judge(vote, student_id)
        self._apply(vote, student_id, outcome)
        return outcome

    def copy(self) -> Poll:
        """An independent copy, to roll back to if storing votes fails."""
        twin = copy.copy(self)
        twin.outcomes = Counter(self.outcomes)
        twin._seen = set(self._seen)
        twin._latest_seq = dict(self._latest_seq)
        twin._responses = dict(self._responses)
        twin._unbound = set(self._unbound)
        return twin

    def _judge(self, vote: Vote, student_id: str | None) -> VoteOutcome:
        if (vote.clicker, vote.seq, vote.answer) in self._seen:
            return VoteOutcome.DUPLICATE
        if self.state is not PollState.OPEN:
            return VoteOutcome.CLOSED
        if student_id is None:
            return VoteOutcome.UNBOUND
        if normalize_answer(self.kind, self.options, vote.answer) is None:
            return VoteOutcome.INVALID
        last = self._latest_seq.get(vote.clicker)
        if last is not None and not is_newer(vote.seq, last):
            return VoteOutcome.STALE
        return (
            VoteOutcome.CHANGED
            if student_id in self._responses
            else VoteOutcome.COUNTED
        )

    def _apply(self, vote: Vote, student_id: str | None, outcome: VoteOutcome) -> None:
        self.outcomes[outcome] += 1
        if outcome is VoteOutcome.DUPLICATE:
            return
        self._seen.add((vote.clicker, vote.seq, vote.answer))
        if student_id is None:
            self._unbound.add(vote.clicker)
        if not outcome.counted or student_id is None:
            return
        answer = normalize_answer(self.kind, self.options, vote.answer) or vote.answer
        self._latest_seq[vote.clicker] = vote.seq
        self._responses[student_id] = Response(
            student_id, vote.clicker, answer, vote.seq, vote.received_ms
        )

    # -- what the teacher sees --------------------------------------------------

    def responses(self) -> dict[str, Response]:
        """Each answering student's counted answer."""
        return dict(self._responses)

    def unbound_clickers(self) -> list[str]:
        """Clickers that voted but are bound to no seat."""
        return sorted(self._unbound)

    def distribution(self) -> dict[str, int]:
        """How many students gave each answer, options first in keypad order."""
        counts = Counter(r.answer for r in self._responses.values())
        ordered = {label: counts.pop(label, 0) for label in self.labels}
        rest = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return ordered | dict(rest)

    def option_counts(self) -> dict[str, int]:
        """How many students chose each option (multiple choice counts each letter)."""
        counts = Counter(c for r in self._responses.values() for c in set(r.answer))
        return {label: counts[label] for label in self.labels}

    def is_correct(self, answer: str) -> bool:
        """Whether a canonical answer matches the key (numbers within tolerance)."""
        if self.correct is None:
            raise PollError(f"poll {self.poll_id} has no correct answer yet")
        if self.kind is not PollKind.NUMERIC:
            return answer == self.correct
        given, key = parse_number(answer), parse_number(self.correct)
        return (
            given is not None and key is not None and abs(given - key) <= self.tolerance
        )

    # -- life cycle -------------------------------------------------------------

    def close(self, now_ms: int = 0) -> None:
        """Stop counting; later votes are recorded only."""
        if self.state is PollState.OPEN:
            self.state = PollState.CLOSED
            self.closed_ms = now_ms

    def reveal(self, correct: str | None = None, now_ms: int = 0) -> list[PollResult]:
        """Close the poll, fix the correct answer and grade every response."""
        if correct is not None:
            self.correct = self.key_of(correct)
        if self.correct is None:
            raise PollError(f"poll {self.poll_id}: say which answer is correct")
        self.close(now_ms)
        self.state = PollState.REVEALED
        return [
            PollResult(
                r.student_id,
                r.clicker,
                r.answer,
                self.is_correct(r.answer),
                r.received_ms,
            )
            for r in sorted(self._responses.values(), key=lambda r: r.student_id)
        ]

    def key_of(self, text: str) -> str:
        """The canonical form of a correct answer; PollError if it does not fit."""
        key = normalize_answer(self.kind, self.options, text)
        if key is None:
            raise PollError(f"{text!r} is not an answer to a {self.kind} poll")
        return key


# -- the service -----------------------------------------------------------------


class PollStore(Protocol):
    """What :class:`PollBook` needs of :class:`edge.store.Store`."""

    def add_votes(self, votes: Iterable[tuple[Vote, str | None, bool]]) -> None: ...
    def save_answer(self, answer: Any, uplink: dict[str, Any] | None) -> None: ...
    def device_bindings(self, kind: str) -> dict[str, str]: ...
    def students(self) -> list[Any]: ...
    def transaction(self) -> AbstractContextManager[Any]: ...


class QuestionControl(Protocol):
    """A receiver that opens and closes questions on the keypads."""

    def start_question(self, poll_id: str, kind: str, options: int) -> None: ...
    def stop_question(self, poll_id: str) -> None: ...


class ReceiverStatus(TypedDict, total=False):
    """The receiver as the teacher page shows it (JSON)."""

    connected: bool
    port: str
    firmware: str
    channel: int
    gap_ms: int | None
    reason: str
    fault: str
    batteries: dict[str, int | None]


class DistributionRow(TypedDict):
    answer: str
    count: int
    correct: bool | None


class PollSnapshot(TypedDict):
    """A poll as the teacher page shows it (JSON)."""

    poll_id: str
    kind: str
    options: list[str]
    state: str
    opened_ms: int
    closed_ms: int | None
    responses: int
    distribution: list[DistributionRow]
    option_counts: dict[str, int]
    correct: str | None
    correct_count: int | None
    unbound: list[str]
    outcomes: dict[str, int]
    version: int


def snapshot(poll: Poll, version: int = 0) -> PollSnapshot:
    """The JSON view of a poll; the correct answer only once revealed."""
    revealed = poll.state is PollState.REVEALED
    key = poll.correct if revealed else None
    rows: list[DistributionRow] = [
        {"answer": a, "count": n, "correct": poll.is_correct(a) if revealed else None}
        for a, n in poll.distribution().items()
    ]
    right = sum(r["count"] for r in rows if r["correct"]) if revealed else None
    return {
        "poll_id": poll.poll_id,
        "kind": str(poll.kind),
        "options": list(poll.labels),
        "state": str(poll.state),
        "opened_ms": poll.opened_ms,
        "closed_ms": poll.closed_ms,
        "responses": len(poll.responses()),
        "distribution": rows,
        "option_counts": poll.option_counts(),
        "correct": key,
        "correct_count": right,
        "unbound": poll.unbound_clickers(),
        "outcomes": {str(k): v for k, v in poll.outcomes.items()},
        "version": version,
    }


def poll_answer(poll: Poll, result: PollResult) -> Answer:
    """A graded poll response as an answer to question ``poll_id`` of ``poll:<id>``."""
    if result.correct:
        verdict = Verdict(True, 1.0, 1.0, "Correct.", "回答正确。", "poll_correct")
    else:
        verdict = Verdict(
            False,
            0.0,
            1.0,
            f"The correct answer is {poll.correct}.",
            f"正确答案是 {poll.correct}。",
            "poll_wrong",
        )
    return Answer(
        assignment_id=f"poll:{poll.poll_id}",
        question_id=poll.poll_id,
        student_id=result.student_id,
        strokes=(),
        reading=Reading((Candidate(result.answer, 1.0),)),
        verdict=verdict,
        started_ms=poll.opened_ms,
        finished_ms=result.received_ms,
        extra={"source": "clicker", "clicker": result.clicker},
    )


class PollBook:
    """The polls of one classroom; thread-safe, votes arrive on the driver thread."""

    def __init__(
        self,
        store: PollStore,
        receiver: QuestionControl | None = None,
        *,
        clock: Callable[[], int],
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self._store = store
        self._receiver = receiver
        self._clock = clock
        self._on_change = on_change
        self._lock = threading.RLock()
        self._polls: dict[str, Poll] = {}
        self._versions: Counter[str] = Counter()
        self._current: str | None = None
        self._bindings: dict[str, str] = {}
        self._unbound: set[str] = set()
        self.status = ReceiverStatus(connected=False)
        self.refresh_bindings()

    def attach(self, receiver: QuestionControl | None) -> None:
        """Use ``receiver`` for the questions of polls started from now on."""
        self._receiver = receiver

    @property
    def current_id(self) -> str | None:
        """The poll started last (open, closed or revealed), if any."""
        return self._current

    def refresh_bindings(self) -> None:
        """Reload the clicker-to-student map (after pairing a clicker)."""
        bindings = self._store.device_bindings("clicker")
        with self._lock:
            self._bindings = {k.upper(): v for k, v in bindings.items()}

    # -- the teacher's commands ------------------------------------------------

    def start(
        self,
        poll_id: str,
        kind: str,
        options: int = 4,
        correct: str | None = None,
        *,
        tolerance: float = 0.0,
    ) -> PollSnapshot:
        """Open a new poll (closing the open one) and put it on the keypads."""
        self.refresh_bindings()
        with self._lock:
            if poll_id in self._polls:
                raise PollError(f"there is already a poll {poll_id!r}")
            poll = Poll(
                poll_id,
                kind,
                options,
                correct,
                tolerance=tolerance,
                opened_ms=self._clock(),
            )
            previous = self._open_poll()
            if previous is not None:
                previous.close(self._clock())
            self._polls[poll_id] = poll
            self._current = poll_id
            view = self._view(poll)
        if self._receiver is not None:
            self._receiver.start_question(poll_id, str(poll.kind), poll.options)
        self._changed(poll_id)
        return view

    def close(self, poll_id: str | None = None) -> PollSnapshot:
        """Stop counting votes for a poll (the current one by default)."""
        with self._lock:
            poll = self._get(poll_id)
            was_open = poll.state is PollState.OPEN
            poll.close(self._clock())
            self._versions[poll.poll_id] += 1
            view = self._view(poll)
        if was_open and self._receiver is not None:
            self._receiver.stop_question(poll.poll_id)
        self._changed(poll.poll_id)
        return view

    def reveal(
        self, poll_id: str | None = None, correct: str | None = None
    ) -> PollSnapshot:
        """Close the poll, grade every student and store the grades with the outbox."""
        with self._lock:
            poll = self._get(poll_id)
            if correct is not None:
                poll.key_of(correct)
            elif poll.correct is None:
                raise PollError(f"poll {poll.poll_id}: say which answer is correct")
        self.close(poll_id)
        with self._lock:
            poll = self._get(poll_id)
            results = poll.reveal(correct, self._clock())
            self._save_results(poll, results)
            self._versions[poll.poll_id] += 1
            view = self._view(poll)
        self._changed(poll.poll_id)
        return view

    # -- what the page reads ---------------------------------------------------

    def snapshot(self, poll_id: str | None = None) -> PollSnapshot | None:
        """One poll as JSON (the current one by default); None if there is none."""
        with self._lock:
            key = poll_id or self._current
            poll = self._polls.get(key) if key else None
            return None if poll is None else self._view(poll)

    def snapshots(self) -> list[PollSnapshot]:
        """Every poll of this run, oldest first."""
        with self._lock:
            return [self._view(p) for p in self._polls.values()]

    def unbound_clickers(self) -> list[str]:
        """Every clicker that voted without being bound to a seat."""
        with self._lock:
            return sorted(self._unbound)

    def results(self, poll_id: str) -> list[PollResult]:
        """The graded responses of a revealed poll."""
        with self._lock:
            poll = self._get(poll_id)
            if poll.state is not PollState.REVEALED:
                raise PollError(f"poll {poll_id!r} is not revealed yet")
            return poll.reveal()

    # -- what the receiver delivers -------------------------------------------

    def handle(self, event: object) -> None:
        """Callback for the clicker driver: votes, link changes and batteries."""
        if isinstance(event, Vote):
            self.record(event)
        elif isinstance(event, ReceiverConnected):
            self.status = ReceiverStatus(
                connected=True,
                port=event.port,
                firmware=event.firmware,
                channel=event.channel,
                gap_ms=event.gap_ms,
                batteries=self.status.get("batteries", {}),
            )
            self._changed("")
        elif isinstance(event, ReceiverDisconnected):
            self.status = ReceiverStatus(
                connected=False,
                port=event.port,
                reason=event.reason,
                batteries=self.status.get("batteries", {}),
            )
            self._changed("")
        elif isinstance(event, ClickerBattery):
            batteries = dict(self.status.get("batteries", {}))
            batteries[event.clicker] = event.percent
            self.status = ReceiverStatus(**{**self.status, "batteries": batteries})
        elif isinstance(event, ReceiverFault):
            self.status = ReceiverStatus(**{**self.status, "fault": event.code})

    def handle_all(self, events: Iterable[object]) -> None:
        """Batch callback for the clicker driver: the votes go in one commit."""
        events = list(events)
        votes = [e for e in events if isinstance(e, Vote)]
        if votes:
            self.record_all(votes)
        for event in events:
            if not isinstance(event, Vote):
                self.handle(event)

    def record(self, vote: Vote) -> VoteOutcome:
        """Judge one vote, store it (unless a retransmission), then count it."""
        return self.record_all([vote])[0]

    def record_all(self, votes: list[Vote]) -> list[VoteOutcome]:
        """Judge votes in order, store them in one commit; all or nothing."""
        with self._lock:
            backups: dict[str, Poll] = {}
            rows: list[tuple[Vote, str | None, bool]] = []
            outcomes = []
            for vote in votes:
                student = self._bindings.get(vote.clicker.upper())
                poll = self._polls.get(vote.poll_id) if vote.poll_id else None
                if poll is not None and poll.poll_id not in backups:
                    backups[poll.poll_id] = poll.copy()
                outcome = (
                    VoteOutcome.NO_POLL if poll is None else poll.vote(vote, student)
                )
                if outcome.recorded:
                    rows.append((vote, student, outcome.counted))
                outcomes.append(outcome)
            self._commit(rows, backups)
        for poll_id in backups:
            self._changed(poll_id)
        return outcomes

    def _commit(
        self, rows: list[tuple[Vote, str | None, bool]], backups: dict[str, Poll]
    ) -> None:
        try:
            if rows:
                self._store.add_votes(rows)
        except BaseException:
            # Not stored, so not counted: the driver does not acknowledge, the
            # receiver sends the votes again, and they are judged afresh.
            self._polls.update(backups)
            raise
        self._unbound.update(
            vote.clicker for vote, student, _ in rows if student is None
        )
        for poll_id in backups:
            self._versions[poll_id] += 1

    # -- helpers ------------------------------------------------------------------

    def _get(self, poll_id: str | None) -> Poll:
        key = poll_id or self._current
        if key is None or key not in self._polls:
            raise PollError(f"no poll {key!r}" if key else "no poll has been started")
        return self._polls[key]

    def _open_poll(self) -> Poll | None:
        poll = self._polls.get(self._current) if self._current else None
        return poll if poll is not None and poll.state is PollState.OPEN else None

    def _view(self, poll: Poll) -> PollSnapshot:
        return snapshot(poll, self._versions[poll.poll_id])

    def _save_results(self, poll: Poll, results: list[PollResult]) -> None:
        pseudonyms = {s.id: s.pseudonym for s in self._store.students()}
        with self._store.transaction():
            for result in results:
                answer = poll_answer(poll, result)
                pseudonym = pseudonyms.get(result.student_id)
                record = result_record(answer, pseudonym) if pseudonym else None
                self._store.save_answer(answer, dict(record) if record else None)

    def _changed(self, poll_id: str) -> None:
        if self._on_change is not None:
            self._on_change(poll_id)

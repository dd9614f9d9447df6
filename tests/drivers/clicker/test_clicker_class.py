"""A class of 50 clickers votes through a pseudo-terminal full of faults.

The gateway side is the real thing: serial transport, poll book and SQLite
store. The line has noise, corrupted, split and duplicated frames, lost
acknowledgements, an unplugged receiver and a stalled one. The teacher's live
distribution must still be exact, and every press stored exactly once.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.drivers.clicker.config import ClickerConfig
from edge.drivers.clicker.transport_serial import SerialReceiver
from edge.models import Student
from edge.polls import PollBook, PollSnapshot
from edge.sim.clicker_receiver import EmulatedReceiver, Faults
from edge.store import Store

STUDENTS = 50
STRANGERS = (0xBEEF0001, 0xBEEF0002)  # clickers bound to no seat
FAULTS = Faults(noise=0.15, corrupt=0.05, split=0.3, duplicate=0.2, lose_host=0.05)


def clicker_id(n: int) -> int:
    return 0xA0000000 + n


@pytest.fixture
def classroom(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "gateway.db", "gw-class")
    store.save_students(
        [
            Student(f"s{n:02d}", f"Student {n}", f"pn-{n:02d}", n)
            for n in range(STUDENTS)
        ]
    )
    for n in range(STUDENTS):
        store.bind_device(f"{clicker_id(n):08X}", "clicker", f"s{n:02d}")
    yield store
    store.close()


class Lesson:
    """The teacher's poll book wired to the receiver, and the class's clickers."""

    def __init__(self, store: Store, config: ClickerConfig, emulator: EmulatedReceiver):
        self.store = store
        self.emulator = emulator
        self.book = PollBook(store, clock=lambda: int(time.time() * 1000))
        self.receiver = SerialReceiver(config, on_batch=self.book.handle_all)
        self.book.attach(self.receiver)
        self.rng = random.Random(4)
        self.latest: dict[int, str] = {}
        self.presses = 0
        self.question = 0
        self.watching = threading.Event()

    def watch(self) -> list[str]:
        """Check the live view while votes arrive; returns what was wrong."""
        problems: list[str] = []

        def sample() -> None:
            while not self.watching.is_set():
                snap = self.book.snapshot()
                pressed = dict(self.latest)
                if snap is not None and snap["responses"] > len(pressed):
                    problems.append(
                        f"{snap['responses']} answers, {len(pressed)} pressed"
                    )
                time.sleep(0.01)

        self.watching.clear()
        threading.Thread(target=sample, daemon=True).start()
        return problems

    def start(self, poll_id: str, kind: str, options: int) -> None:
        self.book.start(poll_id, kind, options)
        self.latest.clear()
        self.presses = 0
        # Students start pressing once their keypads show the new question; a
        # lost STOP may leave the old one showing until the host sends again.
        deadline = time.monotonic() + 5
        while (
            self.emulator.question in (0, self.question) and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        assert self.emulator.question not in (0, self.question), "question not opened"
        self.question = self.emulator.question

    def vote(self, clickers: list[int], answers: str) -> None:
        for n in clickers:
            answer = self.rng.choice(answers)
            self.latest[n] = answer  # before the press, for the live watcher
            self.emulator.press(clicker_id(n), answer)
            self.presses += 1
            time.sleep(self.rng.random() * 0.004)

    def settle(self) -> PollSnapshot:
        assert self.emulator.wait_acknowledged(20), "votes were never acknowledged"
        snap = self.book.snapshot()
        assert snap is not None
        return snap

    def expected(self, labels: list[str]) -> list[tuple[str, int]]:
        counts = Counter(self.latest.values())
        rest = sorted((a, n) for a, n in counts.items() if a not in labels)
        return [(a, counts[a]) for a in labels] + sorted(
            rest, key=lambda r: (-r[1], r[0])
        )


def distribution(snap: PollSnapshot) -> list[tuple[str, int]]:
    return [(row["answer"], row["count"]) for row in snap["distribution"]]


def stored_votes(store: Store, poll_id: str) -> int:
    row = store.conn.execute("SELECT COUNT(*) FROM votes WHERE poll_id = ?", (poll_id,))
    return int(row.fetchone()[0])


def test_fifty_clickers_give_exact_live_distributions(
    classroom: Store, config: ClickerConfig, link: Path
) -> None:
    emulator = EmulatedReceiver(
        link, faults=FAULTS, seed=11, heartbeat_s=0.1, retransmit_s=0.15
    )
    emulator.plug()
    lesson = Lesson(classroom, config, emulator)
    lesson.receiver.start()
    try:
        # Poll 1: single choice; the receiver is pulled out in the middle.
        lesson.start("q1", "single", 4)
        problems = lesson.watch()
        everyone = list(range(STUDENTS))
        lesson.rng.shuffle(everyone)
        lesson.vote(everyone[:25], "ABCD")
        emulator.unplug()
        lesson.vote(
            everyone[25:], "ABCD"
        )  # heard by the receiver, held for the gateway
        time.sleep(0.3)
        emulator.plug()
        live = lesson.settle()
        lesson.watching.set()
        assert problems == []
        assert distribution(live) == lesson.expected(["A", "B", "C", "D"])
        assert live["responses"] == STUDENTS

        changers = lesson.rng.sample(range(STUDENTS), 20)
        lesson.vote(changers, "ABCD")
        for stranger in STRANGERS:
            emulator.press(stranger, "A")
            lesson.presses += 1
        live = lesson.settle()
        assert distribution(live) == lesson.expected(["A", "B", "C", "D"])
        assert live["unbound"] == [f"{c:08X}" for c in STRANGERS]
        assert stored_votes(classroom, "q1") == lesson.presses

        revealed = lesson.book.reveal(correct="B")
        assert revealed["correct_count"] == Counter(lesson.latest.values())["B"]
        answers = classroom.answers("poll:q1")
        assert len(answers) == STUDENTS
        assert {a["student_id"]: a["reading"] for a in answers} == {
            f"s{n:02d}": answer for n, answer in lesson.latest.items()
        }
        assert sum(a["correct"] for a in answers) == revealed["correct_count"]

        # Poll 2: multiple choice; the receiver hangs for a while.
        lesson.start("q2", "multiple", 5)
        lesson.vote(list(range(0, STUDENTS, 2)), ["A", "BE", "ACD", "E", "ABCDE"])
        emulator.stall(0.9)
        lesson.vote(list(range(1, STUDENTS, 2)), ["A", "BE", "ACD", "E", "ABCDE"])
        live = lesson.settle()
        assert distribution(live) == lesson.expected(["A", "B", "C", "D", "E"])
        assert stored_votes(classroom, "q2") == lesson.presses

        # Poll 3: numeric entry, every student changes their mind once.
        lesson.start("q3", "numeric", 0)
        lesson.vote(list(range(STUDENTS)), ["12", "-3.5", "2/3"])
        lesson.vote(list(range(STUDENTS)), ["12", "0.5", "1/2"])
        live = lesson.settle()
        expected = Counter("0.5" if a == "1/2" else a for a in lesson.latest.values())
        assert dict(distribution(live)) == expected
        assert stored_votes(classroom, "q3") == lesson.presses
        lesson.book.close()
        assert lesson.book.snapshot()["state"] == "closed"  # type: ignore[index]
    finally:
        lesson.receiver.stop()
        emulator.close()

    stats = emulator.stats
    # The faults really happened; otherwise this test proves little.
    assert stats.noise_bytes and stats.corrupted and stats.duplicates
    assert stats.retransmissions and stats.host_lost and stats.plugs == 2
    assert lesson.receiver.connects >= 3
    assert sum(lesson.receiver.stats()[k] for k in ("dropped_cobs", "dropped_crc")) > 0

"""Pairing clickers by pressing them, through an emulated receiver on a pty."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from edge.models import Student
from edge.provision.live import ClickerPressSource
from edge.provision.pairing import pair_live
from edge.sim.clicker_receiver import EmulatedReceiver

ROSTER = [Student(f"s{i}", f"学生{i}", f"p{i}", i) for i in (1, 2, 3)]


def test_pressing_each_seats_clicker_binds_it(tmp_path: Path) -> None:
    link = tmp_path / "ttyCLICKER"
    section = {"port": str(link), "heartbeat_s": 0.1, "silence_s": 0.6, "retry_s": 0.2}
    said: list[str] = []
    prompts = threading.Semaphore(0)

    def say(line: str) -> None:
        said.append(line)
        if line.endswith("now."):
            prompts.release()

    with EmulatedReceiver(link, heartbeat_s=0.1, retransmit_s=0.15) as receiver:

        def students() -> None:
            # Each student presses when the installer calls their seat; the
            # student at seat 2 presses twice, and seat 3 presses nothing.
            for clicker in (0x10002A, 0x10002B):
                assert prompts.acquire(timeout=10)
                deadline = time.monotonic() + 5
                while not receiver.question and time.monotonic() < deadline:
                    time.sleep(0.01)
                receiver.press(clicker, "A")
                if clicker == 0x10002B:
                    receiver.press(clicker, "B")

        thread = threading.Thread(target=students)
        thread.start()
        with ClickerPressSource(section) as source:
            found = pair_live("clicker", ROSTER, source, say, timeout_s=2.0)
        thread.join()

    assert found == [(1, "0010002A"), (2, "0010002B")]
    assert any("Seat 3: nothing heard" in line for line in said)

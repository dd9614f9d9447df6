"""Simulated students pressing clickers on an emulated receiver."""

from __future__ import annotations

import asyncio
import random

from edge.sim.classroom import SimStudent
from edge.sim.clicker_receiver import EmulatedReceiver

# Chance per tick that a student who has not voted yet presses now: with a
# 0.4 s tick most of a class has voted within ten seconds, as in a lesson.
PRESS_CHANCE = 0.12
TICK_S = 0.4


class ClassClickers:
    """Every student votes once on each question the receiver opens."""

    def __init__(
        self, receiver: EmulatedReceiver, students: list[SimStudent], seed: int = 8
    ) -> None:
        self.receiver = receiver
        self.students = students
        self.rng = random.Random(seed)
        self.pressed = 0

    async def run(self) -> None:
        """Vote on open questions until cancelled."""
        voted: set[tuple[int, int]] = set()
        while True:
            question = self.receiver.question
            if question:
                for sim in self.students:
                    if (
                        question,
                        sim.clicker,
                    ) in voted or self.rng.random() > PRESS_CHANCE:
                        continue
                    answer = self.receiver.sample_answer(self.rng)
                    if answer is None:
                        break
                    self.receiver.press(sim.clicker, answer)
                    voted.add((question, sim.clicker))
                    self.pressed += 1
            await asyncio.sleep(TICK_S)

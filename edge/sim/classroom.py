"""A simulated class: students with pens who write their homework in real time.

Each student works through the assignment's questions in order, thinks for a
while, then writes an answer into the question's answer box at human
writing speed. Finished strokes go to ``deliver`` (pen address, stroke); the
demo sends them through the real pen codec before the gateway sees them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from edge.models import Assignment, Dot, Question, Stroke, Student
from edge.sim.answers import student_answer

log = logging.getLogger(__name__)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
    "许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "子涵欣怡梓轩浩然雨桐一诺宇轩思远佳琪俊杰诗琪博文嘉怡晨曦明轩若曦天佑语嫣文博"

Deliver = Callable[[str, Stroke], Awaitable[None]]
InkWriter = Callable[..., list[list[tuple[float, float, int]]]]


@dataclass(frozen=True, slots=True)
class SimStudent:
    """A simulated student: roster entry, devices and how well they do."""

    student: Student
    pen: str
    clicker: int
    skill: float
    style_seed: int


def make_class(size: int, seed: int = 8) -> list[SimStudent]:
    """A class roster with pen addresses, clicker ids and skills."""
    rng = random.Random(seed)
    names: set[str] = set()
    students = []
    for seat in range(1, size + 1):
        name = ""
        while not name or name in names:
            name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
        names.add(name)
        sid = f"s{seat:02d}"
        students.append(
            SimStudent(
                student=Student(sid, name, f"p-{rng.getrandbits(40):010x}", seat),
                pen=f"9C:7B:D2:00:{seat // 256:02X}:{seat % 256:02X}",
                clicker=0x100000 + seat,
                skill=min(0.97, max(0.3, rng.gauss(0.75, 0.15))),
                style_seed=rng.getrandbits(32),
            )
        )
    return students


class SimulatedClassroom:
    """Runs every student's homework session concurrently in real time."""

    def __init__(
        self,
        assignment: Assignment,
        students: list[SimStudent],
        deliver: Deliver,
        write_ink: InkWriter,
        seed: int = 8,
        think_s: tuple[float, float] = (1.0, 5.0),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.assignment = assignment
        self.students = students
        self.deliver = deliver
        self.write_ink = write_ink
        self.seed = seed
        self.think_s = think_s
        self.clock = clock
        self.written: dict[tuple[str, str], str] = {}

    async def run(self) -> None:
        """Let every student do the whole assignment once."""
        await asyncio.gather(*(self._work(s) for s in self.students))

    async def _work(self, sim: SimStudent) -> None:
        rng = random.Random(
            self.seed * 7919 + sim.student.seat if sim.student.seat else 0
        )
        await asyncio.sleep(rng.uniform(0.2, 3.0))
        for question in self.assignment.questions:
            if question.region is None:
                continue
            await asyncio.sleep(rng.uniform(*self.think_s))
            text = student_answer(question, sim.skill, rng)
            self.written[(sim.student.id, question.id)] = text
            await self._write(sim, question, text, rng)

    async def _write(
        self, sim: SimStudent, question: Question, text: str, rng: random.Random
    ) -> None:
        assert question.region is not None
        strokes = self.write_ink(text, question.region.rect, rng, sim.style_seed)
        start_ms = int(self.clock() * 1000)
        for points in strokes:
            # Wait until this stroke's pen-up time so ink arrives at writing speed.
            end_ms = start_ms + points[-1][2]
            await asyncio.sleep(max(0.0, end_ms / 1000 - self.clock()))
            dots = tuple(
                Dot(round(x, 2), round(y, 2), 400 + rng.randrange(200), start_ms + dt)
                for x, y, dt in points
            )
            stroke = Stroke(sim.pen, question.region.page, dots)
            await self.deliver(sim.pen, stroke)

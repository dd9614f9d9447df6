"""The demo's simulated class wired to a running gateway service."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path
from typing import Any

from edge.drivers.clicker.events import clicker_address
from edge.errors import ConfigError
from edge.models import Assignment, Stroke
from edge.service import GatewayService
from edge.sim.classroom import SimulatedClassroom, make_class

log = logging.getLogger(__name__)


class DemoClass:
    """Roster, device bindings and the class's activity for one demo run."""

    def __init__(
        self, service: GatewayService, size: int, seed: int, assignment_id: str | None
    ) -> None:
        self.service = service
        self.students = make_class(size, seed)
        self.seed = seed
        self.assignment = self._pick(assignment_id)
        self._pens: Any = None

    def _pick(self, assignment_id: str | None) -> Assignment:
        assignments = self.service.services.assignments
        if assignment_id:
            if assignment_id not in assignments:
                raise ConfigError(
                    f"no assignment {assignment_id!r}; known: "
                    + ", ".join(sorted(assignments))
                )
            return assignments[assignment_id]
        maths = [a for a in assignments.values() if a.subject == "math"]
        writable = [
            a
            for a in maths or assignments.values()
            if any(q.region for q in a.questions)
        ]
        if not writable:
            raise ConfigError("no assignment with answer regions to write on")
        return sorted(writable, key=lambda a: a.id)[0]

    def setup(self) -> None:
        """Enrol the class, bind pens and clickers, make the assignment active."""
        store = self.service.store
        store.save_students(s.student for s in self.students)
        for s in self.students:
            store.bind_device(s.pen, "pen", s.student.id)
            store.bind_device(clicker_address(s.clicker), "clicker", s.student.id)
        store.set_active_assignment(self.assignment.id)
        self.service.gateway.reload_bindings()

    async def run(self) -> None:
        """Let the class do its homework and answer polls on simulated devices."""
        from edge.sim.handwriting import write_answer
        from edge.sim.pens import PenChannel

        self._pens = PenChannel(self.service.gateway.commit)
        classroom = SimulatedClassroom(
            self.assignment, self.students, self._deliver, write_answer, seed=self.seed
        )
        clickers = asyncio.create_task(self._clickers())
        try:
            await classroom.run()
            log.info("every simulated student has finished the assignment")
            await clickers
        finally:
            clickers.cancel()

    async def _clickers(self) -> None:
        """An emulated receiver on a pseudo-terminal, read by the real driver."""
        from edge.devices import Clickers
        from edge.drivers.clicker.config import ClickerConfig
        from edge.sim.clicker_receiver import EmulatedReceiver
        from edge.sim.clickers import ClassClickers

        with tempfile.TemporaryDirectory() as folder:
            link = Path(folder) / "clicker-receiver"
            with EmulatedReceiver(link, seed=self.seed, heartbeat_s=0.5) as receiver:
                devices = Clickers(self.service, ClickerConfig(port=str(link)))
                devices.start()
                try:
                    await self._first_poll(devices)
                    await ClassClickers(receiver, self.students, self.seed).run()
                finally:
                    devices.stop()

    async def _first_poll(self, devices: Any) -> None:
        # Open one poll a few seconds in, so the page shows clickers at work;
        # the teacher can start more from the polls page.
        for _ in range(50):
            if devices.receiver.connected:
                break
            await asyncio.sleep(0.1)
        devices.book.start("demo-poll-1", "single", 4, "B")

    async def _deliver(self, pen: str, stroke: Stroke) -> None:
        await self._pens.send(pen, stroke)

    async def close(self) -> None:
        """Disconnect the simulated pens (open strokes are closed, not lost)."""
        if self._pens is not None:
            await self._pens.close()

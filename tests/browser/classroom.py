"""A running gateway and a small simulated class that writes into it on demand.

The class writes with simulated pens whose notifications go through the real
pen decoder and stroke assembler into the gateway, which reads the ink with
the shipped recognizer, grades it and announces it to the teacher page.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import time
import urllib.request
from collections.abc import Coroutine
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from edge.config import AnswerConfig, Config, WebConfig
from edge.gateway import InkReader
from edge.service import Credentials, GatewayService
from edge.sim.classroom import SimulatedClassroom
from edge.sim.demo import DemoClass
from edge.sim.handwriting import write_answer
from edge.sim.pens import PenChannel
from edge.web.security import hash_password, hash_token, new_secret

PASSWORD = "chalk and slate 8"
TOKEN = "browser-test-token"
ASSIGNMENT = "math-g8-01-fractions"
CLASS_SIZE = 4
SEED = 8
# Questions with short answers keep a writing round to a few seconds.
QUESTIONS = ("q2", "q4", "q5", "q10", "q1", "q3")
# Strokes of one answer are under 0.4 s apart plus the next stroke's length,
# so 1.5 s without ink means the student has finished the answer.
IDLE_MS = 1500
THINK_S = (0.3, 1.0)
ANSWER_WAIT_S = 40.0


class LoopThread:
    """An asyncio loop in a background thread, where the simulated class runs."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="sim-class", daemon=True
        )
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> Future[Any]:
        """Run a coroutine on the loop; the future gives its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def close(self) -> None:
        """Stop the loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()


@dataclasses.dataclass
class LiveGateway:
    """A gateway service with its page on a free port and an enrolled class."""

    service: GatewayService
    demo: DemoClass
    loop: LoopThread
    pens: PenChannel
    written: list[str] = dataclasses.field(default_factory=list)
    runs: list[Future[Any]] = dataclasses.field(default_factory=list)

    @property
    def url(self) -> str:
        """The teacher page's base URL, ending in a slash."""
        return self.service.web.url

    @property
    def names(self) -> list[str]:
        """Every student's name on the roster."""
        return [s.student.name for s in self.demo.students]

    def api(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the JSON API with the bearer token (POST when a body is given)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path.lstrip("/"),
            data=data,
            headers={
                "Authorization": f"Bearer {TOKEN}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def write_next(self, count: int = 1) -> Future[Any]:
        """Let the whole class write the next ``count`` unwritten questions."""
        chosen = [q for q in QUESTIONS if q not in self.written][:count]
        if len(chosen) < count:
            raise RuntimeError(f"only {len(chosen)} unwritten questions left")
        self.written.extend(chosen)
        whole = self.demo.assignment
        part = dataclasses.replace(
            whole, questions=tuple(whole.question(q) for q in chosen)
        )
        classroom = SimulatedClassroom(
            part,
            self.demo.students,
            self.pens.send,
            write_answer,
            seed=SEED + len(self.runs),
            think_s=THINK_S,
        )
        run = self.loop.submit(classroom.run())
        self.runs.append(run)
        return run

    def wait_answers(self, timeout: float = ANSWER_WAIT_S) -> int:
        """Wait until every written question has a stored answer from everyone."""
        expected = len(self.written) * CLASS_SIZE
        deadline = time.monotonic() + timeout
        received = -1
        while time.monotonic() < deadline:
            received = int(self.api("/api/v1/summary")["answers_received"])
            if received >= expected:
                return received
            time.sleep(0.2)
        raise AssertionError(f"{received} of {expected} answers stored in {timeout}s")

    def ensure_answers(self) -> int:
        """Make sure the class has written something, and all of it is stored."""
        if not self.written:
            self.write_next(2).result(timeout=ANSWER_WAIT_S)
        return self.wait_answers()

    def stop(self) -> None:
        """Stop writing, close the pens, stop the gateway and the loop."""
        for run in self.runs:
            run.cancel()
        self.loop.submit(self.pens.close()).result(timeout=10)
        self.service.stop()
        self.loop.close()


def start_gateway(
    folder: Path, reader: InkReader, review_threshold: float | None = None
) -> LiveGateway:
    """Start a gateway on a free loopback port with an enrolled, idle class."""
    config = Config(
        gateway_id="gw-browser",
        db=folder / "gateway.db",
        classroom="browser-tests",
        web=WebConfig(host="127.0.0.1", port=0),
        answers=AnswerConfig(idle_ms=IDLE_MS, review_threshold=review_threshold),
    )
    credentials = Credentials(hash_password(PASSWORD), hash_token(TOKEN), new_secret())
    service = GatewayService(config, credentials)
    service.start(reader=reader)
    try:
        demo = DemoClass(service, size=CLASS_SIZE, seed=SEED, assignment_id=ASSIGNMENT)
        demo.setup()
    except BaseException:
        service.stop()
        raise
    return LiveGateway(service, demo, LoopThread(), PenChannel(service.gateway.commit))

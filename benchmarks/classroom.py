"""A gateway service with a class enrolled, and students' ink, for benchmarks.

The service is the real ``GatewayService`` (store, ingest worker, reader,
grader, mastery, teacher page, uplink when a broker is given); the class is
the demo's simulated roster with its pens and clickers bound to seats.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.config import AnswerConfig, Config, WebConfig
from edge.drivers.clicker.events import clicker_address
from edge.models import Dot, Question, Stroke
from edge.service import Credentials, GatewayService
from edge.sim.classroom import SimStudent, make_class
from edge.sim.handwriting import write_answer
from edge.web.security import hash_password, hash_token, new_secret

TOKEN = "benchmark-token"
GATEWAY = "gw-a"


@dataclass(frozen=True, slots=True)
class Written:
    """One answer as a pen wrote it: strokes with absolute times, and the text."""

    text: str
    strokes: tuple[Stroke, ...]

    @property
    def dots(self) -> int:
        return sum(len(s.dots) for s in self.strokes)


def start_service(
    folder: Path,
    *,
    idle_ms: int,
    model_dir: Path | None = None,
    uplink: dict[str, Any] | None = None,
) -> GatewayService:
    """Start a gateway on a free port with a fresh store in ``folder``."""
    from edge.inference.recognition import Recognizer

    config = Config(
        gateway_id=GATEWAY,
        db=folder / "gateway.db",
        classroom="benchmark",
        web=WebConfig(host="127.0.0.1", port=0),
        answers=AnswerConfig(idle_ms=idle_ms),
        sections={"uplink": uplink} if uplink else {},
    )
    credentials = Credentials(
        hash_password(new_secret()), hash_token(TOKEN), new_secret()
    )
    service = GatewayService(config, credentials)
    service.start(reader=Recognizer.load(model_dir))
    return service


def enrol(service: GatewayService, size: int, assignment_id: str) -> list[SimStudent]:
    """Enrol a simulated class, bind its pens and clickers, open an assignment."""
    students = make_class(size, seed=8)
    store = service.store
    store.save_students(s.student for s in students)
    for s in students:
        store.bind_device(s.pen, "pen", s.student.id)
        store.bind_device(clicker_address(s.clicker), "clicker", s.student.id)
    store.set_active_assignment(assignment_id)
    service.gateway.reload_bindings()
    return students


def write(
    sim: SimStudent,
    question: Question,
    text: str,
    start_ms: int,
    rng: random.Random,
    dot_rate: float = 100.0,
) -> Written:
    """The strokes ``sim`` writes for ``text`` in the question's box from ``start_ms``.

    The handwriting model samples at 100 dots per second; ``dot_rate``
    replays the same ink faster or slower, so a pen can be run at its full
    sampling rate without changing what it writes.
    """
    assert question.region is not None
    paths = write_answer(text, question.region.rect, rng, sim.style_seed)
    scale = 100.0 / dot_rate
    strokes = tuple(
        Stroke(
            sim.pen,
            question.region.page,
            tuple(
                Dot(x, y, 400 + rng.randrange(200), start_ms + round(t * scale))
                for x, y, t in path
            ),
        )
        for path in paths
        if path
    )
    return Written(text, strokes)

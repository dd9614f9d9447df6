"""What the teacher page needs from the rest of the gateway, in one place."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edge.events import EventBus
from edge.models import Assignment
from edge.review import ReviewDesk
from edge.store import Store


@dataclass
class WebServices:
    """The running parts the web app reads from and acts on."""

    store: Store
    bus: EventBus
    assignments: dict[str, Assignment]
    teacher_password_hash: str
    api_token_hash: str
    secret_key: str
    gateway_id: str = ""
    # Extra sections of the summary, added by optional parts (uplink, clickers).
    status_sources: dict[str, Callable[[], dict[str, Any]]] = field(
        default_factory=dict
    )
    stopping: threading.Event = field(default_factory=threading.Event)
    review: ReviewDesk | None = None
    polls: Any = None
    # Builds the analytics report of an assignment (mastery, items, diagnosis).
    report: Callable[[str], dict[str, Any]] | None = None
    # Homework time so far of an assignment (active minutes per student).
    homework_time: Callable[[str], dict[str, Any]] | None = None
    # The answer the teacher chose to show, anonymously, on the projector.
    projected_answer: int | None = None

    def active_assignment(self) -> Assignment | None:
        """The assignment the class works on now, or the first one known."""
        active = self.store.active_assignment_id()
        if active in self.assignments:
            return self.assignments[active]
        return next(iter(self.assignments.values()), None)

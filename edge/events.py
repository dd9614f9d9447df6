"""A small in-process event bus so the teacher page hears of every change.

Publishers never block: each subscriber has a bounded queue, and a slow
subscriber (a stalled browser tab) loses old events, not the gateway's time.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import threading
from dataclasses import dataclass
from typing import Any

# A browser that falls this far behind just reloads the summary.
SUBSCRIBER_QUEUE = 256


@dataclass(frozen=True, slots=True)
class Event:
    """One change: a running number, a kind and JSON-ready data."""

    serial: int
    kind: str
    data: dict[str, Any]


class EventBus:
    """Fan-out of events to any number of subscribers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[queue.Queue[Event]] = set()
        self._serial = itertools.count(1)
        self.last_serial = 0

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Send an event to every subscriber, dropping the oldest if one is full."""
        with self._lock:
            event = Event(next(self._serial), kind, data)
            self.last_serial = event.serial
            subscribers = list(self._subscribers)
        for q in subscribers:
            while True:
                try:
                    q.put_nowait(event)
                    break
                except queue.Full:
                    with contextlib.suppress(queue.Empty):
                        q.get_nowait()

    def subscribe(self) -> queue.Queue[Event]:
        """A new queue that receives every event from now on."""
        q: queue.Queue[Event] = queue.Queue(SUBSCRIBER_QUEUE)
        with self._lock:
            self._subscribers.add(q)
        return q

    def unsubscribe(self, q: queue.Queue[Event]) -> None:
        with self._lock:
            self._subscribers.discard(q)

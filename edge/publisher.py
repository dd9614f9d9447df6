"""Periodic learning data for the city: mastery changes and homework time.

Every interval, mastery estimates changed since the last run and the
homework time of each assignment that received answers go into the outbox
(pseudonymous ids only), in batches the uplink schemas accept.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from edge.analytics.errors import AnalyticsError
from edge.analytics.uplink import homework_time_record, mastery_records
from edge.store import Store

log = logging.getLogger(__name__)

# The mastery schema takes at most 1,000 records per message.
MASTERY_BATCH = 1000
DEFAULT_INTERVAL_S = 600.0


class LearningDataPublisher:
    """Puts mastery and homework-time messages in the outbox on a timer."""

    def __init__(self, store: Store, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self.store = store
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def publish(self) -> dict[str, int]:
        """Queue one round of messages; returns how many of each kind."""
        since = int(self.store.meta("publisher:mastery_since") or 0)
        now = self.store.clock()
        records = [dict(r) for r in mastery_records(self.store, since_ms=since)]
        sent = {"mastery": 0, "homework_time": 0, "progress": 0}
        with self.store.transaction():
            for start in range(0, len(records), MASTERY_BATCH):
                self.store.enqueue("mastery", records[start : start + MASTERY_BATCH])
                sent["mastery"] += 1
            self.store.set_meta("publisher:mastery_since", str(now))
        for assignment_id in self._assignments_with_answers(since):
            progress = self.store.progress(assignment_id)
            if progress:
                self.store.enqueue("progress", progress[:MASTERY_BATCH])
                sent["progress"] += 1
            try:
                record: Any = homework_time_record(self.store, assignment_id)
            except AnalyticsError as exc:
                log.warning("no homework time for %s: %s", assignment_id, exc)
                continue
            if record["n_students"]:
                self.store.enqueue("homework_time", dict(record))
                sent["homework_time"] += 1
        return sent

    def _assignments_with_answers(self, since_ms: int) -> list[str]:
        return self.store.assignments_answered_since(since_ms)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="publisher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.publish()
            except Exception:
                log.exception("could not queue learning data")

"""The uplink thread's periodic chores: outbox counts, disk cap, status reports.

Status reports go through the outbox like any other message, so the city
learns what the disk cap dropped even when the report waits days to leave.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from edge.errors import StoreError
from edge.store import Store, capacity, outbox
from edge.uplink import payloads
from edge.uplink.config import UplinkConfig

log = logging.getLogger(__name__)

COUNTS_EVERY_S = 0.5
CAPACITY_EVERY_S = 2.0


class Upkeep:
    """Runs the chores when they are due; holds the figures they produce."""

    def __init__(
        self,
        store: Store,
        config: UplinkConfig,
        withheld: Collection[str],
        rejected_downlink: Callable[[], int],
        clock: Callable[[], float],
    ) -> None:
        self.store = store
        self.config = config
        self.withheld = withheld
        self.rejected_downlink = rejected_downlink
        self.clock = clock
        self.started = clock()
        self.pending = 0
        self.parked = 0
        self.disk: capacity.Usage | None = None
        self._next = {"counts": 0.0, "capacity": 0.0, "status": 0.0}

    def start(self) -> None:
        """Apply the disk cap and queue the ``start`` status report."""
        if self.config.disk_cap_mb > 0:
            cap = int(self.config.disk_cap_mb * 1024 * 1024)
            capacity.set_cap(self.store.conn, cap)
        self.report("start")
        self.run(self.clock())

    def run(self, now: float) -> None:
        """Do whatever chore is due at ``now``."""
        if now < self._next["counts"]:
            return
        self._next["counts"] = now + COUNTS_EVERY_S
        conn = self.store.conn
        self.pending = outbox.count_sendable(conn, self.withheld)
        self.parked = outbox.parked_count(conn)
        if now >= self._next["capacity"]:
            self._next["capacity"] = now + CAPACITY_EVERY_S
            self._check_capacity()
        interval = self.config.status_interval_s
        if interval and now >= self._next["status"]:
            if self._next["status"]:
                self.report("periodic")
            self._next["status"] = now + interval

    def _check_capacity(self) -> None:
        if not self.config.disk_cap_mb:
            return
        dropped = capacity.make_room(self.store.conn)
        self.disk = dropped.after
        if dropped.total:
            self.report("disk_cap", dropped.counts)

    def report(self, event: str, dropped: dict[str, int] | None = None) -> None:
        """Queue a ``status`` message for the city."""
        conn = self.store.conn
        disk = capacity.usage(conn) if self.config.disk_cap_mb else None
        record = payloads.status_record(
            event,
            pending=outbox.count(conn),
            parked=outbox.parked_count(conn),
            uptime_s=self.clock() - self.started,
            disk=(disk.used_bytes, disk.cap_bytes) if disk else None,
            dropped=dropped,
            dropped_total=capacity.dropped_totals(conn),
            downlink_rejected=self.rejected_downlink(),
        )
        try:
            self.store.enqueue("status", record)
        except StoreError as exc:
            log.warning("status report not queued: %s", exc)

"""The outbox drain: rows out in priority order, deleted only on their PUBACK.

Every published row is tracked by its MQTT message id (mid) until the broker
acknowledges that very message. Success (``0x00``) deletes the row; a
permanent refusal (``0x87`` "not authorized" ...) parks it for the operator;
anything else, ``0x10`` "no matching subscribers" included, leaves the row in
the outbox and pauses that kind (and every less valuable one) for a growing,
jittered delay.
Rows still in flight across a reconnect are left to paho, which resends them
itself: the drain never publishes them again, so the only duplicates are the
ones MQTT's at-least-once allows.

All methods run on the uplink thread, which also runs paho's network loop,
so acknowledgements and publishes never race.
"""

from __future__ import annotations

import enum
import logging
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from edge.store import Store, outbox
from edge.uplink import topics, validation
from edge.uplink.backoff import TokenBucket, reconnect_delay
from edge.uplink.config import UplinkConfig

log = logging.getLogger(__name__)

# A batch read from the outbox is reused this long before it is read again,
# so that a new live result overtakes the backlog within a quarter second.
READY_MAX_AGE_S = 0.25

# How often an idle drain looks for new rows in the outbox.
IDLE_POLL_S = 0.1

# Acknowledged rows wait at most this long, or until this many gathered, for
# their delete: each delete commit costs an fsync. A crash in that window only
# resends them (the city drops the duplicates).
FLUSH_MAX_AGE_S = 0.1
FLUSH_MAX_ROWS = 200


class AckOutcome(enum.Enum):
    """What happens to an outbox row after its PUBACK."""

    DELIVERED = "delivered"
    RETRY = "retry"
    PARK = "park"


# PUBACK reason codes (MQTT 5, section 3.4.2.1) after which a resend of the
# same message can never succeed.
PERMANENT_REFUSALS = frozenset({0x87, 0x90, 0x99})


def classify_ack(reason: int) -> AckOutcome:
    """What a PUBACK reason code means for the outbox row it acknowledges."""
    if reason < 0x80:
        # 0x10 "no matching subscribers" is a success to MQTT, but the broker
        # dropped the message: the city's ingest is not subscribed (a broker
        # restart that lost its session, for example). Keep it and retry.
        return AckOutcome.DELIVERED if reason == 0 else AckOutcome.RETRY
    if reason in PERMANENT_REFUSALS:
        return AckOutcome.PARK
    return AckOutcome.RETRY  # 0x80, 0x83, 0x91, 0x97: the broker may accept later


class Ticket(Protocol):
    """What a publish returns: paho's ``MQTTMessageInfo`` has this shape."""

    @property
    def mid(self) -> int:
        """The MQTT message id paho gave the publish."""

    @property
    def rc(self) -> int:
        """paho's result code of the publish call."""

    def is_published(self) -> bool:
        """True once paho has handled the PUBACK."""


Publish = Callable[[str, bytes], Ticket]


@dataclass(slots=True)
class InFlight:
    """One published message waiting for its PUBACK."""

    row_id: int | None  # None for messages that are not outbox rows
    kind: str
    sent_at: float
    ticket: Ticket


@dataclass(slots=True)
class Counters:
    """Running totals of the drain, for ``Uplink.stats()``."""

    sent: int = 0
    acked: int = 0
    retried: int = 0
    parked: int = 0
    lost_callbacks: int = 0
    invalid: int = 0


@dataclass(slots=True)
class _Ready:
    rows: list[sqlite3.Row] = field(default_factory=list)
    read_at: float = float("-inf")


class Drain:
    """Moves outbox rows to the broker under the configured limits."""

    def __init__(
        self,
        store: Store,
        config: UplinkConfig,
        publish: Publish,
        clock: Callable[[], float],
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.store = store
        self.config = config
        self.publish = publish
        self.clock = clock
        self.draw = draw
        self.gateway = store.gateway_id
        self.withheld = frozenset() if config.raw_ink else frozenset({"ink"})
        self.bucket = TokenBucket(config.drain_rate, max(1.0, config.batch_size))
        self.in_flight: dict[int, InFlight] = {}
        self.counters = Counters()
        self.live_after = 0
        self._rows_in_flight: set[int] = set()
        self._acked: list[int] = []
        self._flushed_at = clock()
        self._parked: list[tuple[int, str]] = []
        self._paused: dict[str, float] = {}  # kind -> monotonic time it may resume
        self._streak: dict[str, int] = {}  # kind -> refusals in a row
        self._ready = _Ready()
        self._idle = False
        # Rows up to this sequence number may predate the schema check at
        # enqueue; the drain checks them, and trusts the rows after them.
        self.unchecked_through = outbox.unchecked_through(store.conn)

    # -- connection events --------------------------------------------------

    def on_connected(self) -> None:
        """A (re)connection: rows written until now count as backlog."""
        self.live_after = outbox.max_id(self.store.conn)
        now = self.clock()
        for entry in self.in_flight.values():
            entry.sent_at = now  # paho resends them now; their clock restarts
        self._ready = _Ready()

    # -- publishing ------------------------------------------------------------

    def fill(self) -> int:
        """Publish as many rows as the window and the rate allow; returns how many."""
        now = self.clock()
        room = self.config.max_in_flight - len(self._rows_in_flight)
        budget = min(room, self.bucket.available(now))
        sent = 0
        self._idle = False
        while sent < budget:
            row = self._next_row(now)
            if row is None:
                self._idle = True  # nothing to send: poll again later
                break
            outcome = self._publish_row(row, now)
            if outcome is None:
                continue  # held back as invalid
            if not outcome:
                break  # paho refused to queue it: try again on the next turn
            self.bucket.take(now)
            sent += 1
        return sent

    def wait_hint(self) -> float:
        """Seconds until :meth:`fill` could send again (for the loop's select).

        The select returns early when a PUBACK or downlink arrives.
        """
        if self._idle or len(self._rows_in_flight) >= self.config.max_in_flight:
            return IDLE_POLL_S
        return min(IDLE_POLL_S, self.bucket.wait_s(self.clock()))

    def _next_row(self, now: float) -> sqlite3.Row | None:
        if not self._ready.rows or now - self._ready.read_at > READY_MAX_AGE_S:
            self._ready = _Ready(self._read_batch(now), now)
        while self._ready.rows:
            row = self._ready.rows.pop(0)
            if row["id"] not in self._rows_in_flight:
                return row
        return None

    def _read_batch(self, now: float) -> list[sqlite3.Row]:
        # A refused kind holds back every kind of its priority and below, so
        # that ink never overtakes results that wait for the broker.
        paused = [kind for kind, until in self._paused.items() if until > now]
        below = min((outbox.priority(kind) for kind in paused), default=None)
        return outbox.next_batch(
            self.store.conn,
            self.config.batch_size,
            live_after=self.live_after,
            skip=self._rows_in_flight | set(self._acked) | self._parked_ids(),
            withheld=self.withheld,
            below=below,
        )

    def _publish_row(self, row: sqlite3.Row, now: float) -> bool | None:
        """True if published, False if paho refused, None if held back."""
        if row["seq"] <= self.unchecked_through:
            reason = validation.payload_problem(row["payload"])
            if reason is not None:
                self.counters.invalid += 1
                self._park(row["id"], reason)
                return None
        topic = topics.uplink(self.gateway, row["kind"])
        try:
            ticket = self.publish(topic, row["payload"].encode("utf-8"))
        except ValueError as exc:  # paho: payload too large, or its queue is full
            log.warning("outbox seq %s not published: %s", row["seq"], exc)
            return False
        if not self.track(ticket, row["id"], row["kind"], now):
            return False
        self.counters.sent += 1
        return True

    def track(self, ticket: Ticket, row_id: int | None, kind: str, now: float) -> bool:
        """Follow a publish until its PUBACK; False if paho did not take it."""
        # MQTT_ERR_NO_CONN (4) means paho holds the message and sends it
        # after the next CONNACK: it is in flight, not failed.
        if ticket.rc not in (0, 4):
            log.warning("publish of %s refused by the client: rc=%s", kind, ticket.rc)
            return False
        self.in_flight[ticket.mid] = InFlight(row_id, kind, now, ticket)
        if row_id is not None:
            self._rows_in_flight.add(row_id)
        return True

    # -- acknowledgements -------------------------------------------------------

    def on_ack(self, mid: int, reason: int, reason_name: str = "") -> None:
        """Record the broker's PUBACK for ``mid`` (called from ``on_publish``)."""
        entry = self.in_flight.pop(mid, None)
        if entry is None or entry.row_id is None:
            # paho reports each mid once, and only for messages it holds; the
            # loop runs on this thread, so no PUBACK overtakes its publish().
            return
        self._rows_in_flight.discard(entry.row_id)
        outcome = classify_ack(reason)
        if outcome is AckOutcome.DELIVERED:
            self.counters.acked += 1
            self._acked.append(entry.row_id)
            self._streak.pop(entry.kind, None)
        elif outcome is AckOutcome.PARK:
            self._park(entry.row_id, f"broker refused: 0x{reason:02x} {reason_name}")
        else:
            self._pause(entry.kind, f"0x{reason:02x} {reason_name}")

    def _park(self, row_id: int, reason: str) -> None:
        log.error("outbox row %s parked: %s", row_id, reason)
        self._parked.append((row_id, reason))

    def _parked_ids(self) -> set[int]:
        return {row_id for row_id, _ in self._parked}

    def _pause(self, kind: str, reason: str) -> None:
        """Hold back one kind after a refusal; its rows stay in the outbox."""
        self.counters.retried += 1
        if self._paused.get(kind, 0.0) > self.clock():
            return  # the rest of a window refused together: one pause
        attempt = self._streak.get(kind, 0)
        self._streak[kind] = attempt + 1
        # The reconnect backoff, with a floor so that a broker that refuses
        # at once is never asked again in a tight loop.
        base = max(self.config.reconnect_min_s, 0.1)
        cap = max(base, self.config.reconnect_max_s)
        delay = reconnect_delay(attempt, base, cap, self.draw())
        self._paused[kind] = self.clock() + delay
        self._ready = _Ready()
        log.warning(
            "broker refused %s messages (%s); retry in %.1f s", kind, reason, delay
        )

    def flush(self, force: bool = True) -> int:
        """Delete acknowledged rows and park refused ones, in one transaction.

        Without ``force``, waits until :data:`FLUSH_MAX_ROWS` rows are
        acknowledged or :data:`FLUSH_MAX_AGE_S` passed: each commit costs an
        fsync.
        """
        if not self._acked and not self._parked:
            return 0
        due = len(self._acked) >= FLUSH_MAX_ROWS or self._parked
        if not (force or due or self.clock() - self._flushed_at >= FLUSH_MAX_AGE_S):
            return 0
        acked, parked = self._acked, self._parked
        now_ms = self.store.clock()
        with self.store.transaction() as conn:
            outbox.delete(conn, acked)
            for row_id, reason in parked:
                outbox.park(conn, row_id, reason, now_ms)
        self._acked, self._parked = [], []
        self._flushed_at = self.clock()
        self.counters.parked += len(parked)
        return len(acked)

    # -- watchdog -----------------------------------------------------------------

    def sweep(self) -> bool:
        """Heal missed acknowledgements; True if the link looks stuck.

        A message paho marked published whose acknowledgement never reached
        :meth:`on_ack` (a callback that failed) is released for a resend. If
        the oldest message has waited longer than ``ack_timeout_s``, the
        caller should drop and rebuild the connection.
        """
        now = self.clock()
        for mid, entry in list(self.in_flight.items()):
            if entry.ticket.is_published():
                self.counters.lost_callbacks += 1
                log.warning("acknowledgement of mid %s was missed; resending", mid)
                del self.in_flight[mid]
                if entry.row_id is not None:
                    self._rows_in_flight.discard(entry.row_id)
        # A row whose entry vanished without an outcome is free to go again.
        self._rows_in_flight &= {e.row_id for e in self.in_flight.values()}
        oldest = min((e.sent_at for e in self.in_flight.values()), default=now)
        return now - oldest > self.config.ack_timeout_s

    @property
    def rows_in_flight(self) -> int:
        """Outbox rows published and not yet acknowledged."""
        return len(self._rows_in_flight)

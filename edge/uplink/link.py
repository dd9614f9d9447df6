"""The uplink service: one thread that keeps the link up and drains the outbox.

The same thread runs paho's network loop, the outbox drain, the downlink
handlers and the housekeeping (disk cap, status reports), so a PUBACK is
never handled while its publish is still under way and no lock is shared
with paho. Nothing here blocks the caller: :meth:`Uplink.start` returns at
once and :meth:`Uplink.stats` reads plain counters.
"""

from __future__ import annotations

import enum
import json
import logging
import random
import select
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from edge.errors import ConfigError
from edge.store import Store
from edge.uplink import payloads, session, signing, topics, wire
from edge.uplink.backoff import reconnect_delay
from edge.uplink.config import UplinkConfig
from edge.uplink.downlink import Dispatcher, Handler
from edge.uplink.drain import Drain, Ticket
from edge.uplink.upkeep import Upkeep

log = logging.getLogger(__name__)

# How long stop() lets the last acknowledgements and the offline presence in.
SHUTDOWN_GRACE_S = 1.0


_LINK_GONE = frozenset({mqtt.MQTT_ERR_NO_CONN, mqtt.MQTT_ERR_CONN_LOST})


class LinkState(enum.Enum):
    """Where the link to the broker stands."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"


class Uplink:
    """Store-and-forward to the city broker over MQTT 5.

    ``Uplink(store, config).start()`` runs in a background thread until
    :meth:`stop`. Other code registers downlink handlers with
    :meth:`on_downlink` and reads :meth:`stats`.
    """

    def __init__(
        self,
        store: Store,
        config: UplinkConfig,
        clock: Callable[[], float] = time.monotonic,
        draw: Callable[[], float] = random.random,
    ) -> None:
        gateway = store.gateway_id
        if not topics.is_gateway_id(gateway):
            raise ConfigError(f"gateway id {gateway!r} cannot be an MQTT topic level")
        self.store = store
        self.config = config
        self.gateway = gateway
        self.clock = clock
        self.draw = draw
        self.dispatcher = Dispatcher(gateway, load_keys(config.downlink_keys), _utc_now)
        self._client = session.build_client(config, gateway)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish
        self._client.on_message = self._on_message
        self._drain = Drain(store, config, self._publish, clock, draw)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = LinkState.DISCONNECTED
        self._attempt = 0
        self._next_attempt = 0.0
        self._deadline = 0.0
        self._upkeep = Upkeep(
            store,
            config,
            self._drain.withheld,
            lambda: self.dispatcher.counts["rejected"],
            clock,
        )
        self._reconnects = 0
        self.last_error: str | None = None

    # -- public interface ----------------------------------------------------

    def start(self) -> None:
        """Start the uplink thread; returns at once."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="uplink", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the thread (offline presence, clean disconnect); True if it ended."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def on_downlink(self, kind: str, handler: Handler) -> None:
        """Call ``handler`` with every verified downlink message of ``kind``."""
        self.dispatcher.on(kind, handler)

    def stats(self) -> dict[str, Any]:
        """Counters for the health page: link, outbox, drops, downlink."""
        c = self._drain.counters
        disk = self._upkeep.disk
        return {
            "connected": self._state is LinkState.CONNECTED,
            "state": self._state.value,
            "broker": str(self.config.broker),
            "sent": c.sent,
            "acked": c.acked,
            "in_flight": self._drain.rows_in_flight,
            "pending": self._upkeep.pending,
            "parked": self._upkeep.parked,
            "retried": c.retried,
            "invalid": c.invalid,
            "lost_callbacks": c.lost_callbacks,
            "reconnects": self._reconnects,
            "disk_used_bytes": disk.used_bytes if disk else None,
            "disk_cap_bytes": disk.cap_bytes if disk else None,
            "downlink": dict(self.dispatcher.counts),
            "last_error": self.last_error,
        }

    # -- the thread ------------------------------------------------------------

    def _run(self) -> None:
        log.info("uplink to %s as %s starting", self.config.broker, self.gateway)
        self._guard(self._prepare)
        while not self._stop.is_set():
            if not self._guard(self._turn):
                self._stop.wait(1.0)  # a failing turn must not spin
        self._guard(self._shutdown)
        log.info("uplink stopped")

    def _guard(self, step: Callable[[], None]) -> bool:
        try:
            step()
        except Exception as exc:  # the uplink outlives any single failure
            self._error(f"{type(exc).__name__}: {exc}")
            log.exception("uplink: %s failed", step.__name__)
            return False
        return True

    def _prepare(self) -> None:
        self._client.connect_async(
            self.config.broker.host,
            self.config.broker.port,
            keepalive=self.config.keepalive_s,
            clean_start=False,
            properties=session.connect_properties(self.config),
        )
        self._upkeep.start()

    def _turn(self) -> None:
        now = self.clock()
        if self._state is LinkState.DISCONNECTED:
            self._drain.flush()
            if now >= self._next_attempt:
                self._connect(now)
            else:
                self._stop.wait(min(0.2, self._next_attempt - now))
        elif self._state is LinkState.CONNECTING:
            self._network(0.05)
            if self._state is LinkState.CONNECTING and self.clock() > self._deadline:
                self._drop_link("no CONNACK from the broker")
        else:
            self._connected_turn()
        self._upkeep.run(now)

    def _connected_turn(self) -> None:
        sent = self._drain.fill()
        rc = self._network(0.0 if sent else self._drain.wait_hint())
        self._drain.flush(force=False)
        if rc in _LINK_GONE and self._state is LinkState.CONNECTED:
            # paho normally reports this through on_disconnect; never spin on it.
            self._error(f"connection lost: {mqtt.error_string(rc)}")
            self._schedule_retry()
            return
        if self._state is LinkState.CONNECTED and self._drain.sweep():
            self._drop_link(f"no PUBACK for {self.config.ack_timeout_s:g} s")

    # -- connection ---------------------------------------------------------------

    def _connect(self, now: float) -> None:
        log.info("connecting to %s (attempt %s)", self.config.broker, self._attempt + 1)
        try:
            self._client.reconnect()
        except (OSError, ValueError) as exc:  # refused, unreachable, TLS failure
            self._error(f"connect to {self.config.broker} failed: {exc}")
            self._schedule_retry()
            return
        self._state = LinkState.CONNECTING
        self._deadline = now + self.config.connect_timeout_s

    def _schedule_retry(self) -> None:
        delay = reconnect_delay(
            self._attempt,
            self.config.reconnect_min_s,
            self.config.reconnect_max_s,
            self.draw(),
        )
        self._attempt += 1
        self._next_attempt = self.clock() + delay
        self._state = LinkState.DISCONNECTED
        log.info("next connection attempt in %.1f s", delay)

    def _drop_link(self, reason: str) -> None:
        """Give up on a link that looks alive but is not; reconnect later."""
        self._error(f"dropping the link: {reason}")
        log.warning("dropping the link to %s: %s", self.config.broker, reason)
        try:
            self._client.disconnect(reasoncode=session.disconnect_with_will())
            self._network(0.0)
        except (OSError, ValueError):
            log.debug("disconnect on a broken link failed", exc_info=True)
        if self._state is not LinkState.DISCONNECTED:
            self._schedule_retry()

    def _error(self, text: str) -> None:
        self.last_error = text

    # -- paho callbacks (run inside client.loop on this thread) ------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        try:
            if reason.is_failure:
                self._error(f"broker refused the connection: {reason}")
                log.error(
                    "broker %s refused the connection: %s", self.config.broker, reason
                )
                self._schedule_retry()
                return
            self._connected(bool(flags.session_present))
        except Exception:
            log.exception("uplink: on_connect failed")

    def _connected(self, session_present: bool) -> None:
        log.info(
            "connected to %s (session %s)",
            self.config.broker,
            "resumed" if session_present else "new",
        )
        self._state = LinkState.CONNECTED
        self._attempt = 0
        self._reconnects += 1
        self._client.subscribe(session.subscriptions(self.gateway))
        online = payloads.presence(self.gateway, True, self.store.clock())
        ticket = self._client.publish(
            topics.status(self.gateway), json.dumps(online), qos=1, retain=True
        )
        self._drain.track(ticket, None, "presence", self.clock())
        self._drain.on_connected()

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        # paho may report one loss twice: only the first one counts.
        if self._state is LinkState.DISCONNECTED:
            return
        try:
            if self._stop.is_set():  # our own DISCONNECT on stop()
                log.info("disconnected from %s", self.config.broker)
                self._state = LinkState.DISCONNECTED
                return
            self._error(f"disconnected: {reason}")
            log.warning("disconnected from %s: %s", self.config.broker, reason)
            self._schedule_retry()
        except Exception:
            log.exception("uplink: on_disconnect failed")

    def _on_publish(
        self, client: mqtt.Client, userdata: Any, mid: int, reason: Any, props: Any
    ) -> None:
        try:
            code = int(reason.value)
            # The name is only logged for refusals; looking it up costs per ack.
            self._drain.on_ack(mid, code, reason.getName() if code else "")
        except Exception:
            # The sweep finds the message published but unrecorded, and
            # releases its row for a resend.
            log.exception("uplink: handling the PUBACK of mid %s failed", mid)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: Any) -> None:
        try:
            self.dispatcher.handle(message.topic, message.payload)
        except Exception:
            log.exception("uplink: downlink on %s failed", message.topic)

    def _network(self, timeout: float) -> int:
        """One pass of paho's network loop, waiting at most ``timeout`` for data.

        paho's own ``loop()`` would add a wake-up socket and write a byte to it
        on every publish; this thread is the only caller, so it needs none.
        """
        client = self._client
        sock = client.socket()
        if sock is None:
            return mqtt.MQTT_ERR_NO_CONN
        buffered = getattr(sock, "pending", lambda: 0)()  # TLS bytes already read
        writing = [sock] if client.want_write() else []
        try:
            readable, writable, _ = select.select(
                [sock], writing, [], 0.0 if buffered else timeout
            )
        except (OSError, ValueError):
            return mqtt.MQTT_ERR_CONN_LOST
        rc = client.loop_read() if readable or buffered else mqtt.MQTT_ERR_SUCCESS
        if rc == mqtt.MQTT_ERR_SUCCESS and writable:
            wire.gather(client)
            rc = client.loop_write()
        if rc == mqtt.MQTT_ERR_SUCCESS:
            rc = client.loop_misc()
        return int(rc)

    def _publish(self, topic: str, payload: bytes) -> Ticket:
        ticket: Ticket = self._client.publish(topic, payload, qos=1)
        return ticket

    def _shutdown(self) -> None:
        if self._state is LinkState.CONNECTED:
            offline = payloads.presence(self.gateway, False, self.store.clock())
            ticket = self._client.publish(
                topics.status(self.gateway), json.dumps(offline), qos=1, retain=True
            )
            self._drain.track(ticket, None, "presence", self.clock())
            deadline = self.clock() + SHUTDOWN_GRACE_S
            while self._drain.in_flight and self.clock() < deadline:
                self._network(0.05)
            # A normal DISCONNECT: the broker discards the will, we said it ourselves.
            self._client.disconnect()
            self._network(0.05)
        self._drain.flush()
        self._state = LinkState.DISCONNECTED


def load_keys(paths: tuple[Path, ...]) -> dict[str, Ed25519PublicKey]:
    """The city's downlink signing keys by key id, read from PEM files."""
    keys = {}
    for path in paths:
        try:
            pem = path.read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"uplink.downlink_keys: cannot read {path}: {exc}"
            ) from exc
        key = signing.public_key_from_pem(pem, f"uplink.downlink_keys: {path}")
        keys[signing.key_id(key)] = key
    return keys


def _utc_now() -> datetime:
    return datetime.now(UTC)

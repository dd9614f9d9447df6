"""Downlink from the city: verify the signature, then hand the message over.

Assignments, answer keys, rosters, models and configuration arrive signed
(Ed25519). A message is used only if its signature is valid under a trusted
key and its body matches the topic it came on; anything else is rejected
with a logged reason and the gateway keeps what it had.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from edge.errors import UplinkError
from edge.uplink import signing, topics, validation

log = logging.getLogger(__name__)

# Models are the largest downlink; an ONNX recognizer is a few MB, base64
# adds a third. Anything larger is refused before parsing.
MAX_DOWNLINK_BYTES = 32 * 1024 * 1024

# Message ids remembered to drop redeliveries (QoS 1 may repeat a message).
SEEN_IDS = 4096


class DownlinkError(UplinkError):
    """A downlink message was refused; ``reason`` says why."""

    def __init__(self, topic: str, reason: str) -> None:
        super().__init__(f"downlink on {topic} rejected: {reason}")
        self.topic = topic
        self.reason = reason


@dataclass(frozen=True, slots=True)
class DownlinkMessage:
    """A verified downlink message, ready for its handlers."""

    kind: str
    target: str
    id: str
    issued_at: datetime
    expires_at: datetime | None
    data: Any
    key_id: str


Handler = Callable[[DownlinkMessage], None]


def verify(
    topic: str,
    payload: bytes,
    gateway: str,
    keys: Mapping[str, Ed25519PublicKey],
    now: datetime,
) -> DownlinkMessage:
    """The verified message of one downlink publish; DownlinkError otherwise."""

    def refuse(reason: str) -> DownlinkError:
        return DownlinkError(topic, reason)

    if len(payload) > MAX_DOWNLINK_BYTES:
        raise refuse(f"{len(payload)} bytes, more than {MAX_DOWNLINK_BYTES}")
    target, kind = _route(topic, gateway, refuse)
    wrapper = _wrapper(payload, refuse)
    if not keys:
        raise refuse("no city signing key is configured (uplink.downlink_keys)")
    key = keys.get(wrapper["key"])
    if key is None:
        raise refuse(f"signed with unknown key {wrapper['key']}")
    body = wrapper["body"].encode("utf-8")
    if not signing.verify(key, body, base64.b64decode(wrapper["sig"])):
        raise refuse("bad signature")
    return _message(body, target, kind, wrapper["key"], now, refuse)


def _route(
    topic: str, gateway: str, refuse: Callable[[str], DownlinkError]
) -> tuple[str, str]:
    route = topics.parse_downlink(topic)
    if route is None:
        raise refuse("not a downlink topic")
    target, kind = route
    if target not in (gateway, topics.ALL):
        raise refuse(f"addressed to {target!r}, not this gateway")
    if kind not in topics.DOWNLINK_KINDS:
        raise refuse(f"unknown downlink kind {kind!r}")
    return target, kind


def _wrapper(payload: bytes, refuse: Callable[[str], DownlinkError]) -> dict[str, str]:
    try:
        wrapper = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise refuse(f"not JSON: {exc}") from None
    if isinstance(wrapper, dict) and "sig" not in wrapper:
        raise refuse("not signed")
    problems = validation.errors("downlink", wrapper)
    if problems:
        raise refuse("malformed: " + "; ".join(problems))
    try:
        base64.b64decode(wrapper["sig"], validate=True)
    except binascii.Error:
        raise refuse("malformed: signature is not base64") from None
    return dict(wrapper)


def _message(
    body: bytes,
    target: str,
    kind: str,
    key: str,
    now: datetime,
    refuse: Callable[[str], DownlinkError],
) -> DownlinkMessage:
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        raise refuse(f"signed body is not JSON: {exc}") from None
    problems = validation.body_errors(doc)
    if problems:
        raise refuse("malformed body: " + "; ".join(problems))
    if doc["kind"] != kind or doc["target"] != target:
        # A valid message replayed onto another gateway's or kind's topic.
        raise refuse(f"body is for {doc['target']}/{doc['kind']}, not this topic")
    issued = datetime.fromisoformat(doc["issued_at"])
    expires = datetime.fromisoformat(doc["expires_at"]) if "expires_at" in doc else None
    if expires is not None and expires <= now:
        raise refuse(f"expired at {doc['expires_at']}")
    return DownlinkMessage(kind, target, doc["id"], issued, expires, doc["data"], key)


class Dispatcher:
    """Verifies downlink messages and calls the handlers registered per kind.

    Handlers run on the uplink thread, one message at a time; they should
    store what they receive and return. A handler that raises is logged and
    counted, and the other handlers still run.
    """

    def __init__(
        self,
        gateway: str,
        keys: Mapping[str, Ed25519PublicKey],
        clock: Callable[[], datetime],
    ) -> None:
        self.gateway = gateway
        self.keys = dict(keys)
        self.clock = clock
        self._handlers: dict[str, list[Handler]] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self.counts = {"accepted": 0, "rejected": 0, "failed": 0, "duplicate": 0}
        self.last_rejection: str | None = None

    def on(self, kind: str, handler: Handler) -> None:
        """Call ``handler`` with every verified message of ``kind``."""
        if kind not in topics.DOWNLINK_KINDS:
            raise ValueError(f"unknown downlink kind {kind!r}")
        with self._lock:
            self._handlers.setdefault(kind, []).append(handler)

    def handle(self, topic: str, payload: bytes) -> DownlinkMessage | None:
        """Verify and dispatch one publish; None if it was refused or repeated."""
        try:
            message = verify(topic, payload, self.gateway, self.keys, self.clock())
        except DownlinkError as exc:
            self.counts["rejected"] += 1
            self.last_rejection = str(exc)
            log.warning("%s", exc)
            return None
        if self._repeated(message.id):
            self.counts["duplicate"] += 1
            log.debug("downlink %s %s repeated, ignored", message.kind, message.id)
            return None
        self._dispatch(message)
        return message

    def _repeated(self, message_id: str) -> bool:
        if message_id in self._seen:
            return True
        self._seen[message_id] = None
        if len(self._seen) > SEEN_IDS:
            self._seen.popitem(last=False)
        return False

    def _dispatch(self, message: DownlinkMessage) -> None:
        with self._lock:
            handlers = list(self._handlers.get(message.kind, ()))
        if not handlers:
            log.warning(
                "downlink %s %s: no handler registered", message.kind, message.id
            )
        self.counts["accepted"] += 1
        log.info("downlink %s %s accepted", message.kind, message.id)
        for handler in handlers:
            try:
                handler(message)
            except Exception:
                self.counts["failed"] += 1
                log.exception(
                    "downlink %s %s: handler %r failed; the gateway keeps what it had",
                    message.kind,
                    message.id,
                    handler,
                )

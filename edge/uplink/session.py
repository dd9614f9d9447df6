"""The paho client, configured once: MQTT 5, TLS, last will, persistent session.

This is the only module that builds a paho client. It knows nothing of the
outbox; :mod:`edge.uplink.link` drives it.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from edge.uplink import payloads, topics
from edge.uplink.config import UplinkConfig

log = logging.getLogger(__name__)

# Messages besides outbox rows that may be in flight at once: the presence
# message and the downlink subscription.
_EXTRA_IN_FLIGHT = 4


def build_client(config: UplinkConfig, gateway: str) -> mqtt.Client:
    """A paho client for this gateway, not yet connected."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=config.client_id or gateway,
        protocol=mqtt.MQTTv5,
    )
    # An exception escaping a callback must not take the network loop down;
    # our callbacks catch everything themselves, this is the second guard.
    client.suppress_exceptions = True
    client.max_inflight_messages_set(config.max_in_flight + _EXTRA_IN_FLIGHT)
    client.max_queued_messages_set(0)  # the outbox bounds what is queued
    client.connect_timeout = config.connect_timeout_s
    # With a write hook set, publish() only queues its packet; the uplink
    # loop writes the queue when the socket is writable (see edge.uplink.wire).
    client.on_socket_register_write = _write_later
    client.on_socket_open = _no_delay
    if config.broker.tls:
        client.tls_set(
            ca_certs=str(config.ca_file) if config.ca_file else None,
            certfile=str(config.cert_file),
            keyfile=str(config.key_file),
            cert_reqs=ssl.CERT_REQUIRED,
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
    elif not config.broker.is_loopback:
        log.warning("uplink to %s without TLS: use mqtts outside a test", config.broker)
    offline = json.dumps(payloads.presence(gateway, online=False)).encode()
    client.will_set(topics.status(gateway), offline, qos=1, retain=True)
    return client


def _write_later(client: mqtt.Client, userdata: object, sock: object) -> None:
    """paho's write hook: nothing to do, the uplink loop checks ``want_write``."""


def _no_delay(client: mqtt.Client, userdata: object, sock: object) -> None:
    """Send each write at once: Nagle would hold a window's last segment back
    until the broker's delayed ACK (tens of ms per window on loopback)."""
    setsockopt = getattr(sock, "setsockopt", None)
    if setsockopt is not None:
        setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def connect_properties(config: UplinkConfig) -> Properties:
    """CONNECT properties: how long the broker keeps our session while we are away."""
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = config.session_expiry_s
    return props


def subscriptions(gateway: str) -> list[tuple[str, SubscribeOptions]]:
    """Downlink subscriptions, QoS 1; retained messages only for a new subscription.

    With a persistent session the subscription survives reconnects, so the
    broker does not replay retained configuration on every reconnect.
    """
    options = SubscribeOptions(
        qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB
    )
    return [(f, options) for f in topics.downlink_filters(gateway)]


def disconnect_with_will() -> ReasonCode:
    """DISCONNECT reason that asks the broker to publish our last will."""
    return ReasonCode(PacketTypes.DISCONNECT, "Disconnect with will message")

"""Probing the city broker: TCP, TLS with the gateway's certificate, MQTT 5.

The probe connects under a client id of its own (``<gateway>-doctor``) so a
running service's session is never taken over, sends one MQTT 5 CONNECT and
reads the CONNACK: that proves the network path, the broker's certificate,
the gateway's certificate and the broker's acceptance in one go.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import ssl
import struct
from dataclasses import dataclass
from pathlib import Path

from edge.provision.fields import Broker


class ProbeError(Exception):
    """One stage of the probe failed; ``stage`` says which."""

    def __init__(self, stage: str, detail: str) -> None:
        super().__init__(f"{stage}: {detail}")
        self.stage = stage
        self.detail = detail


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """The files the uplink uses for TLS."""

    ca_file: Path
    cert_file: Path | None
    key_file: Path | None


@dataclass(frozen=True, slots=True)
class BrokerProbe:
    """What the probe found: the broker's certificate expiry and its answer."""

    peer_not_after: dt.datetime | None
    connack_reason: int


# MQTT 5 CONNACK reason codes an installer can act on.
CONNACK_REASONS = {
    0x00: "accepted",
    0x85: "client id not valid",
    0x86: "bad user name or password",
    0x87: "not authorized",
    0x8A: "banned",
    0x8C: "bad authentication method",
    0x88: "server unavailable",
    0x89: "server busy",
}


def probe_broker(
    broker: Broker, tls: TlsFiles | None, client_id: str, timeout_s: float
) -> BrokerProbe:
    """Connect, shake hands and ask for an MQTT session; raises ProbeError."""
    try:
        raw = socket.create_connection((broker.host, broker.port), timeout=timeout_s)
    except OSError as exc:
        raise ProbeError("connect", str(exc)) from exc
    with contextlib.ExitStack() as stack:
        sock: socket.socket = stack.enter_context(raw)
        not_after = None
        if broker.tls:
            if tls is None:
                raise ProbeError("tls", "no TLS files configured")
            # The TLS socket takes over the descriptor: it must be closed too.
            sock = stack.enter_context(_handshake(raw, broker.host, tls))
            not_after = _peer_not_after(sock)
        reason = _mqtt_connect(sock, client_id)
        return BrokerProbe(not_after, reason)


def _context(tls: TlsFiles) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(cafile=str(tls.ca_file))
        if tls.cert_file is not None and tls.key_file is not None:
            context.load_cert_chain(str(tls.cert_file), str(tls.key_file))
    except (OSError, ssl.SSLError) as exc:
        raise ProbeError("tls files", str(exc)) from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _handshake(raw: socket.socket, host: str, tls: TlsFiles) -> ssl.SSLSocket:
    try:
        return _context(tls).wrap_socket(raw, server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        raise ProbeError("broker certificate", exc.verify_message) from exc
    except (ssl.SSLError, OSError) as exc:
        raise ProbeError("tls", str(exc)) from exc


def _peer_not_after(sock: ssl.SSLSocket) -> dt.datetime | None:
    peer = sock.getpeercert()
    text = peer.get("notAfter") if peer else None
    if not isinstance(text, str):
        return None
    return dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(text), dt.UTC)


def connect_packet(client_id: str, keepalive_s: int = 10) -> bytes:
    """An MQTT 5 CONNECT with a clean start and no properties."""
    cid = client_id.encode()
    variable = (
        b"\x00\x04MQTT"  # protocol name
        + b"\x05"  # protocol level 5
        + b"\x02"  # flags: clean start only
        + struct.pack(">H", keepalive_s)
        + b"\x00"  # no properties
        + struct.pack(">H", len(cid))
        + cid
    )
    return b"\x10" + _remaining_length(len(variable)) + variable


def _remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _mqtt_connect(sock: socket.socket, client_id: str) -> int:
    try:
        sock.sendall(connect_packet(client_id))
        kind = _read_exactly(sock, 1)[0]
        _read_varint(sock)
        reason = _read_exactly(sock, 2)[1]  # acknowledge flags, reason code
    except (OSError, ssl.SSLError) as exc:
        # A broker that refuses the client certificate drops the link here.
        raise ProbeError("mqtt", f"the broker closed the connection: {exc}") from exc
    if kind != 0x20:
        raise ProbeError("mqtt", f"expected CONNACK, got packet type {kind:#x}")
    with contextlib.suppress(OSError):
        sock.sendall(b"\xe0\x00")  # DISCONNECT, normal
    return reason


def _read_varint(sock: socket.socket) -> int:
    value = 0
    for shift in range(0, 28, 7):
        byte = _read_exactly(sock, 1)[0]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value
    raise ConnectionError("malformed remaining length in CONNACK")


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed before CONNACK")
        data += chunk
    return data

"""Ed25519 keys and signatures for downlink messages.

The city signs the exact UTF-8 bytes of a downlink body and sends the body as
a string next to its signature, so no JSON canonicalisation is needed: the
gateway verifies the bytes it received, then parses them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from edge.errors import ConfigError


def key_id(public_key: Ed25519PublicKey) -> str:
    """Short id of a public key: the first 16 hex digits of SHA-256 of its bytes."""
    raw = public_key.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_from_pem(pem: bytes, source: str = "key") -> Ed25519PublicKey:
    """An Ed25519 public key from PEM; ConfigError for anything else."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise ConfigError(f"{source}: not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{source}: not an Ed25519 public key")
    return key


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    """PEM text of a public key, as the gateway's configuration expects it."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def verify(public_key: Ed25519PublicKey, body: bytes, signature: bytes) -> bool:
    """True if ``signature`` is ``public_key``'s signature of ``body``."""
    try:
        public_key.verify(signature, body)
    except InvalidSignature:
        return False
    return True


def sign_downlink(
    private_key: Ed25519PrivateKey,
    kind: str,
    target: str,
    data: Any,
    issued_at: datetime | None = None,
    expires_at: datetime | None = None,
    message_id: str | None = None,
) -> bytes:
    """A complete signed downlink payload, as the city publishes it."""
    body: dict[str, Any] = {
        "v": 1,
        "id": message_id or str(uuid.uuid4()),
        "kind": kind,
        "target": target,
        "issued_at": (issued_at or datetime.now(UTC)).isoformat(),
        "data": data,
    }
    if expires_at is not None:
        body["expires_at"] = expires_at.isoformat()
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return wrap(private_key, text.encode("utf-8"))


def wrap(private_key: Ed25519PrivateKey, body: bytes) -> bytes:
    """Sign raw body bytes and wrap them with the signature and key id."""
    wrapper = {
        "body": body.decode("utf-8"),
        "sig": base64.b64encode(private_key.sign(body)).decode("ascii"),
        "key": key_id(private_key.public_key()),
    }
    return json.dumps(wrapper, ensure_ascii=False, separators=(",", ":")).encode()

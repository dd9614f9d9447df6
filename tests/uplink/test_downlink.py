"""Signed downlink: only messages signed by the city, for this gateway, are used."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from edge.errors import ConfigError
from edge.uplink import DownlinkMessage, signing
from edge.uplink.downlink import (
    MAX_DOWNLINK_BYTES,
    Dispatcher,
    DownlinkError,
    verify,
)

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
CITY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KEYS = {signing.key_id(CITY.public_key()): CITY.public_key()}
TOPIC = "homework/v1/gw-a/down/config"


def signed(kind: str = "config", target: str = "gw-a", **kw: Any) -> bytes:
    return signing.sign_downlink(CITY, kind, target, {"keepalive_s": 20}, NOW, **kw)


def refusal(topic: str, payload: bytes, keys: Any = KEYS) -> str:
    with pytest.raises(DownlinkError) as caught:
        verify(topic, payload, "gw-a", keys, NOW)
    return caught.value.reason


def test_a_signed_message_is_verified() -> None:
    message = verify(TOPIC, signed(), "gw-a", KEYS, NOW)
    assert message.kind == "config" and message.target == "gw-a"
    assert message.data == {"keepalive_s": 20}
    assert message.issued_at == NOW
    assert message.key_id == signing.key_id(CITY.public_key())


def test_city_wide_messages_are_accepted_on_the_all_topic() -> None:
    message = verify(
        "homework/v1/all/down/model", signed("model", "all"), "gw-a", KEYS, NOW
    )
    assert message.target == "all"


def test_unsigned_message_is_refused() -> None:
    body = json.dumps({"v": 1, "kind": "config", "data": {}})
    assert refusal(TOPIC, json.dumps({"body": body}).encode()) == "not signed"


def test_tampered_body_is_refused() -> None:
    wrapper = json.loads(signed())
    wrapper["body"] = wrapper["body"].replace("20", "99")
    assert refusal(TOPIC, json.dumps(wrapper).encode()) == "bad signature"


def test_signature_by_another_key_is_refused() -> None:
    other = Ed25519PrivateKey.generate()
    payload = signing.sign_downlink(other, "config", "gw-a", {}, NOW)
    assert refusal(TOPIC, payload).startswith("signed with unknown key")
    # ... even when it claims the city's key id.
    wrapper = json.loads(payload)
    wrapper["key"] = signing.key_id(CITY.public_key())
    assert refusal(TOPIC, json.dumps(wrapper).encode()) == "bad signature"


def test_without_a_configured_key_everything_is_refused() -> None:
    assert "no city signing key" in refusal(TOPIC, signed(), keys={})


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("homework/v1/gw-b/down/config", signed(target="gw-b"), "not this gateway"),
        ("homework/v1/all/down/config", signed(), "not this topic"),  # replayed
        ("homework/v1/gw-a/down/roster", signed(), "not this topic"),
        ("homework/v1/gw-a/down/firmware", signed(), "unknown downlink kind"),
        ("homework/v1/gw-a/up/config", signed(), "not a downlink topic"),
        (TOPIC, signed(expires_at=NOW - timedelta(seconds=1)), "expired"),
    ],
)
def test_misaddressed_replayed_or_expired_messages_are_refused(
    topic: str, payload: bytes, reason: str
) -> None:
    assert reason in refusal(topic, payload)


def test_a_signed_but_malformed_body_is_refused() -> None:
    payload = signing.wrap(CITY, b'{"v": 1, "kind": "config"}')
    assert refusal(TOPIC, payload).startswith("malformed body")
    payload = signing.wrap(CITY, b"\x7bnot json")
    assert refusal(TOPIC, payload).startswith("signed body is not JSON")


def test_oversized_payload_is_refused_before_parsing() -> None:
    assert "more than" in refusal(TOPIC, b" " * (MAX_DOWNLINK_BYTES + 1))


@pytest.mark.parametrize("cut", [0, 1, 10, 50, -10, -1])
def test_truncated_payloads_are_refused(cut: int) -> None:
    payload = signed()
    with pytest.raises(DownlinkError):
        verify(TOPIC, payload[:cut], "gw-a", KEYS, NOW)


def test_two_messages_merged_are_refused() -> None:
    with pytest.raises(DownlinkError):
        verify(TOPIC, signed() + signed(), "gw-a", KEYS, NOW)


@given(st.binary(max_size=400))
def test_random_bytes_are_refused_cleanly(payload: bytes) -> None:
    with pytest.raises(DownlinkError):
        verify(TOPIC, payload, "gw-a", KEYS, NOW)


@given(
    st.dictionaries(st.sampled_from(["body", "sig", "key", "x"]), st.text(max_size=90))
)
def test_random_wrappers_are_refused_cleanly(wrapper: dict[str, str]) -> None:
    with pytest.raises(DownlinkError):
        verify(TOPIC, json.dumps(wrapper).encode(), "gw-a", KEYS, NOW)


def test_signature_must_be_base64() -> None:
    wrapper = json.loads(signed())
    wrapper["sig"] = "!" * 86 + "=="
    with pytest.raises(DownlinkError):
        verify(TOPIC, json.dumps(wrapper).encode(), "gw-a", KEYS, NOW)
    wrapper["sig"] = base64.b64encode(b"\0" * 64).decode()
    assert refusal(TOPIC, json.dumps(wrapper).encode()) == "bad signature"


def test_dispatcher_calls_handlers_and_survives_one_that_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispatcher = Dispatcher("gw-a", KEYS, lambda: NOW)
    got: list[DownlinkMessage] = []

    def broken(message: DownlinkMessage) -> None:
        raise RuntimeError("disk on fire")

    dispatcher.on("config", broken)
    dispatcher.on("config", got.append)
    payload = signed()

    assert dispatcher.handle(TOPIC, payload) is not None
    assert dispatcher.handle(TOPIC, payload) is None  # a QoS 1 redelivery
    assert dispatcher.handle(TOPIC, b"garbage") is None

    assert [m.data for m in got] == [{"keepalive_s": 20}]
    assert dispatcher.counts == {
        "accepted": 1,
        "rejected": 1,
        "failed": 1,
        "duplicate": 1,
    }
    assert "handler" in caplog.text and "keeps what it had" in caplog.text
    assert (
        dispatcher.last_rejection is not None
        and "not JSON" in dispatcher.last_rejection
    )


def test_dispatcher_refuses_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown downlink kind"):
        Dispatcher("gw-a", KEYS, lambda: NOW).on("firmware", print)


def test_public_keys_load_from_pem_only() -> None:
    pem = signing.public_key_pem(CITY.public_key())
    key = signing.public_key_from_pem(pem)
    assert signing.key_id(key) == signing.key_id(CITY.public_key())
    with pytest.raises(ConfigError, match="not a PEM public key"):
        signing.public_key_from_pem(b"not a key")

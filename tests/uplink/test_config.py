"""The ``[uplink]`` section: valid values load, invalid ones name their key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from edge.errors import ConfigError
from edge.uplink import BrokerAddress, UplinkConfig


@pytest.fixture
def certs(tmp_path: Path) -> dict[str, str]:
    files = {}
    for key in ("ca_file", "cert_file", "key_file"):
        path = tmp_path / f"{key}.pem"
        path.write_text("-----BEGIN TEST-----\n")
        files[key] = str(path)
    return files


def test_tls_section_loads_with_defaults(certs: dict[str, str]) -> None:
    config = UplinkConfig.from_mapping({"broker": "mqtts://city.example:8883", **certs})
    assert config.broker == BrokerAddress("mqtts", "city.example", 8883)
    assert config.broker.tls
    assert config.keepalive_s * 1.5 <= 60  # a dead link is noticed within a minute
    assert config.raw_ink is False  # raw ink leaves only when configured
    assert config.session_expiry_s > 0


def test_plain_loopback_broker_for_the_demo() -> None:
    config = UplinkConfig.from_mapping({"broker": "mqtt://127.0.0.1:18830"})
    assert not config.broker.tls
    assert config.broker.is_loopback
    assert str(config.broker) == "mqtt://127.0.0.1:18830"


def test_default_ports() -> None:
    assert BrokerAddress.parse("mqtt://h").port == 1883
    assert BrokerAddress.parse("mqtts://h").port == 8883


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({}, "broker"),
        ({"broker": "http://x"}, "broker"),
        ({"broker": "mqtt://x:99999"}, "broker"),
        ({"broker": "mqtt://u:p@x"}, "broker"),
        ({"broker": "mqtt://x/path"}, "broker"),
        ({"broker": 5}, "broker"),
        ({"broker": "mqtts://x"}, "cert_file"),
        ({"broker": "mqtt://x", "colour": "red"}, "colour"),
        ({"broker": "mqtt://x", "keepalive_s": 120}, "keepalive_s"),
        ({"broker": "mqtt://x", "keepalive_s": 1.5}, "keepalive_s"),
        ({"broker": "mqtt://x", "keepalive_s": True}, "keepalive_s"),
        ({"broker": "mqtt://x", "drain_rate": 0}, "drain_rate"),
        ({"broker": "mqtt://x", "drain_rate": float("nan")}, "drain_rate"),
        ({"broker": "mqtt://x", "max_in_flight": 0}, "max_in_flight"),
        ({"broker": "mqtt://x", "raw_ink": "yes"}, "raw_ink"),
        ({"broker": "mqtt://x", "downlink_keys": "k.pem"}, "downlink_keys"),
        ({"broker": "mqtt://x", "client_id": "a/b"}, "client_id"),
        ({"broker": "mqtt://x", "ca_file": "/nonexistent/ca.pem"}, "ca_file"),
        (
            {"broker": "mqtt://x", "reconnect_min_s": 10.0, "reconnect_max_s": 5.0},
            "reconnect_min_s",
        ),
    ],
)
def test_invalid_values_name_their_key(section: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError, match=rf"uplink\.{key}"):
        UplinkConfig.from_mapping(section)


def test_numbers_and_paths_are_converted(certs: dict[str, str]) -> None:
    config = UplinkConfig.from_mapping(
        {
            "broker": "mqtts://h:1",
            **certs,
            "drain_rate": 50,
            "downlink_keys": [certs["ca_file"]],
            "raw_ink": True,
        }
    )
    assert config.drain_rate == 50.0 and isinstance(config.drain_rate, float)
    assert config.downlink_keys == (Path(certs["ca_file"]),)
    assert config.raw_ink

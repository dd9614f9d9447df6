"""The ``[uplink]`` section of the gateway's configuration, validated."""

from __future__ import annotations

import dataclasses
import ipaddress
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

from edge.errors import ConfigError
from edge.uplink.topics import is_gateway_id

_DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}

# The broker notices a silent client after 1.5 keepalives, and so does the
# client: 40 s is the longest keepalive that still finds a dead link within a
# minute.
MAX_KEEPALIVE_S = 40


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where the city broker listens; ``mqtts`` means TLS."""

    scheme: str
    host: str
    port: int

    @property
    def tls(self) -> bool:
        """True for ``mqtts``."""
        return self.scheme == "mqtts"

    @property
    def is_loopback(self) -> bool:
        """True for localhost and loopback addresses (the demo's broker)."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @classmethod
    def parse(cls, url: str) -> Self:
        """Parse ``mqtts://host:8883`` or ``mqtt://127.0.0.1:1883``."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise ConfigError(f"uplink.broker: not a broker URL: {url!r}") from exc
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ConfigError(
                f"uplink.broker: expected mqtts://host:port or mqtt://host:port,"
                f" got {url!r}"
            )
        if parts.path not in ("", "/") or parts.query or parts.username:
            raise ConfigError(f"uplink.broker: only scheme, host and port: {url!r}")
        return cls(parts.scheme, parts.hostname, port or _DEFAULT_PORTS[parts.scheme])


@dataclass(frozen=True, slots=True)
class UplinkConfig:
    """How the gateway reaches the city broker and drains its outbox.

    Field names are the keys of the ``[uplink]`` section; ``*_s`` are
    seconds, ``drain_rate`` is messages per second.
    """

    broker: BrokerAddress
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    client_id: str | None = None  # default: the gateway id (= certificate CN)
    keepalive_s: int = 30
    drain_rate: float = 100.0
    batch_size: int = 50
    max_in_flight: int = 50
    session_expiry_s: int = 7 * 24 * 3600
    raw_ink: bool = False
    ack_timeout_s: float = 60.0
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 60.0
    connect_timeout_s: float = 10.0
    disk_cap_mb: float = 512.0  # 0: no cap
    status_interval_s: float = 300.0  # 0: no periodic status reports
    downlink_keys: tuple[Path, ...] = ()

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> Self:
        """Build and validate the section; errors name the offending key."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(mapping) - names)
        if unknown:
            raise ConfigError(f"uplink.{unknown[0]}: unknown key")
        if "broker" not in mapping:
            raise ConfigError("uplink.broker: missing (for example mqtts://host:8883)")

        values: dict[str, Any] = {
            "broker": BrokerAddress.parse(_text(mapping, "broker"))
        }
        for key in names - {"broker"}:
            if key in mapping:
                values[key] = _convert(key, mapping[key])
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        """Raise ConfigError for values that cannot work together."""
        if self.broker.tls and not (self.cert_file and self.key_file):
            raise ConfigError(
                "uplink.cert_file: mqtts needs the gateway's client certificate"
                " (cert_file and key_file)"
            )
        for key in ("ca_file", "cert_file", "key_file"):
            path = getattr(self, key)
            if path is not None and not path.is_file():
                raise ConfigError(f"uplink.{key}: no such file: {path}")
        if not 2 <= self.keepalive_s <= MAX_KEEPALIVE_S:
            raise ConfigError(
                f"uplink.keepalive_s: {self.keepalive_s} outside 2..{MAX_KEEPALIVE_S}"
                " (a dead link must be noticed within a minute)"
            )
        if self.reconnect_min_s > self.reconnect_max_s:
            raise ConfigError("uplink.reconnect_min_s: larger than reconnect_max_s")
        if self.client_id is not None and not is_gateway_id(self.client_id):
            raise ConfigError(f"uplink.client_id: not a valid id: {self.client_id!r}")


_INT_KEYS = {
    "keepalive_s": (2, 3600),
    "batch_size": (1, 10_000),
    "max_in_flight": (1, 65_000),
    "session_expiry_s": (0, 0xFFFFFFFF),
}
_FLOAT_KEYS = {
    "drain_rate": (0.1, 1e6),
    "ack_timeout_s": (1.0, 86_400.0),
    "reconnect_min_s": (0.0, 3600.0),
    "reconnect_max_s": (0.01, 86_400.0),
    "connect_timeout_s": (0.5, 600.0),
    "disk_cap_mb": (0.0, 1e7),
    "status_interval_s": (0.0, 86_400.0),
}


def _convert(key: str, value: Any) -> Any:
    if key in ("ca_file", "cert_file", "key_file"):
        return Path(_text({key: value}, key)).expanduser()
    if key == "client_id":
        return _text({key: value}, key)
    if key == "raw_ink":
        if not isinstance(value, bool):
            raise ConfigError(f"uplink.raw_ink: expected true or false, got {value!r}")
        return value
    if key == "downlink_keys":
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, str) for v in value
        ):
            raise ConfigError("uplink.downlink_keys: expected a list of file paths")
        return tuple(Path(v).expanduser() for v in value)
    if key in _INT_KEYS:
        return _number(key, value, int, _INT_KEYS[key])
    return _number(key, value, float, _FLOAT_KEYS[key])


def _text(mapping: Mapping[str, Any], key: str) -> str:
    value = mapping[key]
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"uplink.{key}: expected a non-empty string, got {value!r}")
    return value.strip()


def _number(
    key: str, value: Any, kind: type[int] | type[float], bounds: tuple[float, float]
) -> int | float:
    ok_type = isinstance(value, int) if kind is int else isinstance(value, int | float)
    if isinstance(value, bool) or not ok_type or not math.isfinite(value):
        raise ConfigError(f"uplink.{key}: expected a {kind.__name__}, got {value!r}")
    low, high = bounds
    if not low <= value <= high:
        raise ConfigError(f"uplink.{key}: {value} outside {low:g}..{high:g}")
    return kind(value)

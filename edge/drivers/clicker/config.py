"""The ``[clicker]`` section of the gateway configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Self

from edge.errors import ConfigError

SECTION = "clicker"


def _usb_id(key: str, text: object) -> tuple[int, int]:
    parts = str(text).split(":")
    try:
        vid, pid = (int(p, 16) for p in parts)
    except ValueError:
        raise ConfigError(f"{SECTION}.{key}: {text!r} is not VID:PID in hex") from None
    if not (0 <= vid <= 0xFFFF and 0 <= pid <= 0xFFFF):
        raise ConfigError(f"{SECTION}.{key}: {text!r} is out of range")
    return vid, pid


@dataclass(frozen=True, slots=True)
class ClickerConfig:
    """Where the receiver is and how the link is supervised (times in seconds)."""

    enabled: bool = True
    port: str | None = None
    usb_ids: tuple[tuple[int, int], ...] = ()
    probe: bool = True
    baudrate: int = 115200
    heartbeat_s: float = 1.0
    silence_s: float = 3.0
    hello_timeout_s: float = 0.5
    retry_s: float = 0.5
    reconnect_max_s: float = 2.0
    record: str | None = None

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> Self:
        """Validated settings from the ``[clicker]`` table; raises ConfigError."""
        known = {f.name for f in fields(cls)}
        for key in mapping:
            if key not in known:
                raise ConfigError(f"{SECTION}.{key}: unknown setting")
        values: dict[str, Any] = {}
        for key, value in mapping.items():
            values[key] = _check(key, value)
        config = cls(**values)
        if config.silence_s <= config.heartbeat_s:
            raise ConfigError(f"{SECTION}.silence_s must be longer than heartbeat_s")
        return config


def _check(key: str, value: Any) -> Any:
    if key in ("enabled", "probe"):
        return _typed(key, value, bool)
    if key in ("port", "record"):
        return _typed(key, value, str) or None
    if key == "usb_ids":
        return tuple(_usb_id(key, v) for v in _typed(key, value, list))
    if key == "baudrate":
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(
                f"{SECTION}.baudrate: {value!r} is not a positive integer"
            )
        return value
    number = (
        value if isinstance(value, int | float) and not isinstance(value, bool) else -1
    )
    if not 0 < number <= 3600:
        raise ConfigError(f"{SECTION}.{key}: {value!r} is not a number of seconds")
    return float(number)


def _typed(key: str, value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise ConfigError(f"{SECTION}.{key}: expected {kind.__name__}, got {value!r}")
    return value

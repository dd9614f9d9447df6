"""The ``[pens]`` section of the gateway configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Self

from edge.errors import ConfigError

SECTION = "pens"

_SECONDS = (
    "scan_s", "rescan_s", "connect_timeout_s", "request_timeout_s",
    "chunk_timeout_s", "backoff_base_s", "backoff_cap_s", "idle_wait_s",
    "round_pause_s",
)  # fmt: skip
_COUNTS = ("links_per_adapter", "demote_after")


@dataclass(frozen=True, slots=True)
class PenConfig:
    """How the pen manager uses the radios (times in seconds).

    ``links_per_adapter`` is what one controller holds reliably (about 7 for
    the Raspberry Pi's onboard chip); when an adapter serves more pens than
    that, one of its links is kept for the round-robin offline pull.
    """

    enabled: bool = True
    adapters: tuple[str, ...] = ("hci0",)
    links_per_adapter: int = 7
    password: str | None = None
    passwords: Mapping[str, str] | None = None
    scan_s: float = 2.0
    rescan_s: float = 10.0
    connect_timeout_s: float = 10.0
    request_timeout_s: float = 5.0
    chunk_timeout_s: float = 20.0
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    demote_after: int = 3
    idle_wait_s: float = 2.0
    round_pause_s: float = 1.0
    record_dir: str | None = None

    def password_for(self, address: str) -> str | None:
        """The password to offer a locked pen: its own, else the shared one."""
        own = (self.passwords or {}).get(address.upper())
        return own if own is not None else self.password

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> Self:
        """Validated settings from the ``[pens]`` table; raises ConfigError."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in mapping.items():
            if key not in known:
                raise ConfigError(f"{SECTION}.{key}: unknown setting")
            values[key] = _check(key, value)
        return cls(**values)


def _check(key: str, value: Any) -> Any:
    if key == "enabled":
        return _typed(key, value, bool)
    if key in ("password", "record_dir"):
        return _typed(key, value, str) or None
    if key == "adapters":
        names = tuple(_typed(key, v, str) for v in _typed(key, value, list))
        if not names or len(set(names)) != len(names):
            raise ConfigError(f"{SECTION}.adapters: need distinct adapter names")
        return names
    if key == "passwords":
        table = _typed(key, value, dict)
        return {str(k).upper(): _typed(f"{key}.{k}", v, str) for k, v in table.items()}
    if key in _COUNTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{SECTION}.{key}: {value!r} is not a positive integer")
        return value
    number = (
        value if isinstance(value, int | float) and not isinstance(value, bool) else -1
    )
    if key in _SECONDS and not 0 < number <= 3600:
        raise ConfigError(f"{SECTION}.{key}: {value!r} is not a number of seconds")
    return float(number)


def _typed(key: str, value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise ConfigError(f"{SECTION}.{key}: expected {kind.__name__}, got {value!r}")
    return value

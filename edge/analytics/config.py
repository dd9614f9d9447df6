"""The ``[analytics]`` configuration section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Self

from edge.errors import ConfigError


@dataclass(frozen=True, slots=True)
class AnalyticsConfig:
    """Thresholds and budgets of the analytics; every field has a default."""

    mastered_threshold: float = 0.95
    weak_threshold: float = 0.6
    prerequisite_threshold: float = 0.8
    min_evidence: float = 1.0
    weak_share: float = 0.4
    review_facility: float = 0.6
    group_fraction: float = 0.27
    pause_threshold_s: int = 180
    utc_offset_minutes: int = 480
    practice_minutes: float = 15.0
    practice_max_items: int = 6
    practice_targets: int = 3
    model_path: str = ""

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> Self:
        """Validated settings from the ``[analytics]`` table of the config file."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in mapping.items():
            if key not in known:
                raise ConfigError(f"analytics.{key}: unknown setting")
            values[key] = _coerce(key, value, type(getattr(cls(), key)))
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        """Raise ``ConfigError`` naming the first value out of range."""
        shares = (
            "mastered_threshold",
            "weak_threshold",
            "prerequisite_threshold",
            "weak_share",
            "review_facility",
        )
        for key in shares:
            if not 0.0 <= getattr(self, key) <= 1.0:
                raise ConfigError(f"analytics.{key}: must be within 0..1")
        if not self.weak_threshold <= self.mastered_threshold:
            raise ConfigError(
                "analytics.weak_threshold: must not exceed mastered_threshold"
            )
        if not 0.05 <= self.group_fraction <= 0.5:
            raise ConfigError("analytics.group_fraction: must be within 0.05..0.5")
        for key in (
            "pause_threshold_s",
            "practice_minutes",
            "practice_max_items",
            "practice_targets",
            "min_evidence",
        ):
            if getattr(self, key) < 0:
                raise ConfigError(f"analytics.{key}: must not be negative")
        if not -720 <= self.utc_offset_minutes <= 840:
            raise ConfigError("analytics.utc_offset_minutes: must be within -720..840")


def _coerce(key: str, value: Any, kind: type) -> Any:
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"analytics.{key}: must be a string")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"analytics.{key}: must be a number")
    if kind is int:
        if int(value) != value:
            raise ConfigError(f"analytics.{key}: must be a whole number")
        return int(value)
    return float(value)

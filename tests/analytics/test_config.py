"""The [analytics] configuration section."""

from __future__ import annotations

import pytest

from edge.analytics.config import AnalyticsConfig
from edge.errors import ConfigError


def test_defaults_and_values() -> None:
    assert AnalyticsConfig.from_mapping({}) == AnalyticsConfig()
    config = AnalyticsConfig.from_mapping(
        {"pause_threshold_s": 120, "weak_threshold": 0.5}
    )
    assert config.pause_threshold_s == 120 and config.weak_threshold == 0.5


@pytest.mark.parametrize(
    ("mapping", "key"),
    [
        ({"colour": 1}, "analytics.colour"),
        ({"weak_threshold": "low"}, "analytics.weak_threshold"),
        ({"weak_threshold": 1.5}, "analytics.weak_threshold"),
        (
            {"mastered_threshold": 0.5, "weak_threshold": 0.6},
            "analytics.weak_threshold",
        ),
        ({"pause_threshold_s": 1.5}, "analytics.pause_threshold_s"),
        ({"pause_threshold_s": True}, "analytics.pause_threshold_s"),
        ({"group_fraction": 0.9}, "analytics.group_fraction"),
        ({"utc_offset_minutes": 2000}, "analytics.utc_offset_minutes"),
        ({"practice_minutes": -1}, "analytics.practice_minutes"),
        ({"model_path": 3}, "analytics.model_path"),
    ],
)
def test_bad_values_name_the_key(mapping: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        AnalyticsConfig.from_mapping(mapping)

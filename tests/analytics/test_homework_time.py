"""Active writing time, class medians and the daily limit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from edge.analytics.homework_time import (
    active_ms,
    daily_limit_minutes,
    day_loads,
    homework_time,
    local_day,
)
from edge.analytics.records import StrokeSpan

MIN = 60_000
PAUSE = 3 * MIN
# 2026-12-01 19:00 in China (UTC+8).
EVENING = 1_796_122_800_000


def span(
    student: str, start_min: float, end_min: float, sheet: str = "A"
) -> StrokeSpan:
    return StrokeSpan(
        student, sheet, EVENING + int(start_min * MIN), EVENING + int(end_min * MIN)
    )


def test_pauses_over_the_threshold_are_left_out() -> None:
    spans = [span("s", 0, 1), span("s", 2, 3), span("s", 10, 11)]
    # 1 + gap 1 + 1, then a 7-minute pause (not counted), then 1.
    assert active_ms(spans, PAUSE) == 4 * MIN


def test_overlapping_strokes_count_once() -> None:
    assert (
        active_ms([span("s", 0, 2), span("s", 1, 3), span("s", 1.5, 2)], PAUSE)
        == 3 * MIN
    )


@given(st.lists(st.tuples(st.integers(0, 600), st.integers(0, 30)), max_size=30))
def test_active_time_is_bounded_by_first_to_last(pairs: list[tuple[int, int]]) -> None:
    spans = [StrokeSpan("s", "A", s * 1000, (s + d) * 1000) for s, d in pairs]
    total = active_ms(spans, PAUSE)
    if not spans:
        assert total == 0
        return
    first = min(s.start_ms for s in spans)
    last = max(s.end_ms for s in spans)
    assert max(s.end_ms - s.start_ms for s in spans) <= total <= last - first
    assert active_ms(spans, 10**9) == last - first


def test_limits_by_grade() -> None:
    assert daily_limit_minutes(8) == 90.0
    assert daily_limit_minutes(5) == 60.0
    assert daily_limit_minutes(1) == 0.0
    assert daily_limit_minutes(11) is None


def test_local_day_uses_the_offset() -> None:
    # 2026-12-01 16:30 UTC is already 2026-12-02 00:30 in China.
    late = 1_796_142_600_000
    assert local_day(late, 0) == "2026-12-01"
    assert local_day(late, 480) == "2026-12-02"


def _evening(
    students: int, minutes: float, sheet: str, offset: float = 0
) -> list[StrokeSpan]:
    # One stroke a minute, each 40 s long.
    return [
        span(f"s{i}", offset + m, offset + m + 40 / 60, sheet)
        for i in range(students)
        for m in range(int(minutes))
    ]


def test_daily_total_over_the_limit_is_flagged() -> None:
    spans = _evening(4, 50, "MATH") + _evening(4, 50, "PHYS", offset=60)
    [day] = day_loads(
        spans,
        pause_ms=PAUSE,
        utc_offset_minutes=480,
        estimates={"MATH": 30, "PHYS": 30},
        limit_minutes=90.0,
    )
    assert day["assignments"] == ["MATH", "PHYS"]
    assert day["median_total_minutes"] > 90 and day["measured_exceeded"]
    assert day["students_over_limit"] == 4
    assert day["estimated_total_minutes"] == 60 and not day["estimated_exceeded"]


def test_within_the_limit_is_not_flagged() -> None:
    [day] = day_loads(
        _evening(3, 20, "MATH"),
        pause_ms=PAUSE,
        utc_offset_minutes=480,
        estimates={"MATH": 100},
        limit_minutes=90.0,
    )
    assert not day["measured_exceeded"] and day["estimated_exceeded"]


def test_assignment_section_median_against_estimate() -> None:
    spans = _evening(5, 30, "A")
    section = homework_time(
        "A",
        grade=8,
        estimated_minutes=20,
        assignment_spans=spans,
        day_spans=spans,
        estimates={"A": 20},
        pause_ms=PAUSE,
        utc_offset_minutes=480,
    )
    assert section["n_students"] == 5
    # 30 strokes a minute apart, the last one 40 s: 29 min 40 s.
    assert section["median_minutes"] == round(29 + 40 / 60, 2)
    assert section["over_estimate"] and section["median_vs_estimate"] == 1.48
    assert len(section["days"]) == 1


def test_no_ink_gives_an_empty_section() -> None:
    section = homework_time(
        "A",
        grade=8,
        estimated_minutes=20,
        assignment_spans=[],
        day_spans=[],
        estimates={},
        pause_ms=PAUSE,
        utc_offset_minutes=480,
    )
    assert section["median_minutes"] is None and section["days"] == []

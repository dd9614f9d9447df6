"""Reconnect delays and the drain's token bucket: pure functions, time passed in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.uplink.backoff import TokenBucket, reconnect_delay


@given(
    attempt=st.integers(0, 10_000),
    base=st.floats(0.0, 10.0),
    spread=st.floats(0.0, 600.0),
    draw=st.floats(0.0, 1.0),
)
def test_delay_stays_between_base_and_cap(
    attempt: int, base: float, spread: float, draw: float
) -> None:
    cap = base + spread
    delay = reconnect_delay(attempt, base, cap, draw)
    assert base <= delay <= cap + 1e-9


def test_ceiling_doubles_until_the_cap() -> None:
    ceilings = [reconnect_delay(a, 1.0, 60.0, 1.0) for a in range(8)]
    assert ceilings == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]


def test_even_the_first_retry_is_jittered() -> None:
    low = reconnect_delay(0, 1.0, 60.0, 0.0)
    high = reconnect_delay(0, 1.0, 60.0, 1.0)
    assert (low, high) == (1.0, 2.0)


@pytest.mark.parametrize(
    ("attempt", "base", "cap", "draw"),
    [(-1, 1.0, 2.0, 0.5), (0, -1.0, 2.0, 0.5), (0, 3.0, 2.0, 0.5), (0, 1.0, 2.0, 1.5)],
)
def test_bad_arguments_are_refused(
    attempt: int, base: float, cap: float, draw: float
) -> None:
    with pytest.raises(ValueError, match="bad arguments"):
        reconnect_delay(attempt, base, cap, draw)


def test_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate=10.0, burst=5)
    assert sum(bucket.take(100.0) for _ in range(8)) == 5
    assert bucket.wait_s(100.0) == pytest.approx(0.1)
    assert bucket.available(100.35) == 3
    assert bucket.available(1000.0) == 5  # never more than the burst


def test_bucket_ignores_a_clock_that_steps_back() -> None:
    bucket = TokenBucket(rate=1.0, burst=1)
    assert bucket.take(50.0)
    assert not bucket.take(10.0)
    assert bucket.available(50.5) == 0
    assert bucket.available(51.0) == 1


@given(steps=st.lists(st.floats(0.0, 2.0), max_size=200))
def test_bucket_never_exceeds_rate_times_time_plus_burst(steps: list[float]) -> None:
    bucket = TokenBucket(rate=20.0, burst=3)
    now, sent = 0.0, 0
    for step in steps:
        now += step
        while bucket.take(now):
            sent += 1
    assert sent <= 3 + 20.0 * now + 1e-6


def test_bucket_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(rate=0.0, burst=1)

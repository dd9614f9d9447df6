"""Pacing decisions as small pure functions: reconnect delays and drain rate.

Both take the time or the random draw as an argument, so tests control them
without patching clocks.
"""

from __future__ import annotations

from dataclasses import dataclass


def reconnect_delay(attempt: int, base_s: float, cap_s: float, draw: float) -> float:
    """Seconds to wait before reconnect ``attempt`` (0 for the first retry).

    The ceiling starts at twice ``base_s`` and doubles per attempt up to
    ``cap_s``; the delay is drawn uniformly between ``base_s`` and that
    ceiling (``draw`` in [0, 1]), so thousands of gateways that lost the same
    broker come back spread out.
    """
    if attempt < 0 or base_s < 0 or cap_s < base_s or not 0.0 <= draw <= 1.0:
        raise ValueError("reconnect_delay: bad arguments")
    # 2**60 already exceeds any cap; clamping keeps the float finite.
    ceiling = min(cap_s, base_s * 2.0 ** min(attempt + 1, 60))
    return base_s + draw * (ceiling - base_s)


@dataclass(slots=True)
class TokenBucket:
    """A rate limit of ``rate`` messages per second with bursts of ``burst``."""

    rate: float
    burst: float
    tokens: float = 0.0
    stamp: float | None = None

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("token bucket needs rate > 0 and burst >= 1")

    def available(self, now: float) -> int:
        """Whole messages that may leave at ``now``."""
        self._refill(now)
        return int(self.tokens)

    def take(self, now: float, n: int = 1) -> bool:
        """Spend ``n`` tokens if there are enough; False leaves the bucket as is."""
        self._refill(now)
        if self.tokens < n:
            return False
        self.tokens -= n
        return True

    def wait_s(self, now: float) -> float:
        """Seconds until one more message may leave (0.0 if one may now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def _refill(self, now: float) -> None:
        if self.stamp is None:
            self.tokens, self.stamp = self.burst, now
            return
        elapsed = max(0.0, now - self.stamp)
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.stamp = max(self.stamp, now)

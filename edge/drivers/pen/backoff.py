"""How long to wait before the next connection attempt (pure)."""

from __future__ import annotations


def backoff_delay(
    attempt: int,
    rand: float,
    *,
    base_s: float = 0.5,
    cap_s: float = 30.0,
    jitter: float = 0.5,
) -> float:
    """Seconds before attempt ``attempt`` (0 = first retry), jittered by ``rand``.

    The delay doubles per attempt up to ``cap_s``; ``rand`` in [0, 1) takes
    up to ``jitter`` of it away, so that pens dropped together (a teacher
    walking past with a phone) do not all come back in the same instant.
    """
    if attempt < 0:
        raise ValueError(f"attempt must be >= 0, got {attempt}")
    ceiling = min(cap_s, base_s * float(2 ** min(attempt, 32)))
    return ceiling * (1.0 - jitter * min(max(rand, 0.0), 1.0))

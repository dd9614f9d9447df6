"""Keeping the C heap of a long-running gateway small on glibc.

glibc gives each thread that allocates its own malloc arena, up to eight per
core; the gateway runs some thirty threads (page, worker, uplink, drivers),
and memory freed in one arena cannot serve another. Two arenas are plenty
for a process whose Python threads take turns under one interpreter lock.
Freed pages inside the arenas are also handed back to the system now and
then, so that a burst of ink does not stay resident for the rest of the day.

On a C library without these calls (musl, macOS) both are no-ops.
"""

from __future__ import annotations

import ctypes
import logging
from typing import Any

log = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # glibc's mallopt parameter number
ARENAS = 2
# How often the service hands freed heap pages back.
TRIM_INTERVAL_S = 30.0


def _libc() -> Any:
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


def limit_arenas(count: int = ARENAS) -> bool:
    """Cap malloc arenas for threads started from now on; True if applied."""
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:
        return False
    applied = bool(mallopt(_M_ARENA_MAX, count))
    if not applied:
        log.debug("mallopt(M_ARENA_MAX) was refused")
    return applied


def trim() -> bool:
    """Return free heap pages to the system; True if any were released."""
    malloc_trim = getattr(_libc(), "malloc_trim", None)
    return bool(malloc_trim(0)) if malloc_trim is not None else False

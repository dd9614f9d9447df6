"""Shared set-up for tests over the virtual radio."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from edge.models import Dot, PageAddress, Stroke

T0 = 1_780_000_000_000


def require_bumble() -> None:
    """Skip with the reason when bumble's virtual controllers cannot run here."""
    pytest.importorskip("bumble", reason="bumble is not installed")

    async def probe() -> None:
        from tests.support.ble.radio import VirtualRadio

        radio = VirtualRadio()
        await asyncio.wait_for(radio.start(), 5)

    try:
        asyncio.run(probe())
    except Exception as exc:  # any failure means the emulation cannot run
        pytest.skip(f"bumble virtual controllers do not run here: {exc!r}")


def pen_address(i: int) -> str:
    return f"9C:7B:D2:00:{i // 256:02X}:{i % 256:02X}"


def strokes_for(pen: str, seed: int, count: int, dots: int) -> list[Stroke]:
    """Strokes with exactly representable coordinates, 10 ms per dot."""
    out = []
    start = T0 + seed * 100_000
    for k in range(count):
        t = start + k * 2000
        points = tuple(
            Dot(round(10 + seed % 50 + j * 0.25, 2), round(20 + k * 5 + j * 0.5, 2),
                200 + (seed + j) % 500, t + 10 * j)
            for j in range(dots)
        )  # fmt: skip
        out.append(Stroke(pen, PageAddress(3, 27, 600 + k % 2, 1 + seed % 4), points))
    return out


class Collector:
    """The gateway's stroke sink as the tests see it: a list, committed at once."""

    def __init__(self) -> None:
        self.strokes: list[Stroke] = []

    async def __call__(self, strokes: Sequence[Stroke]) -> None:
        self.strokes.extend(strokes)
        await asyncio.sleep(0)


def account(written: Sequence[Stroke], stored: Sequence[Stroke]) -> list[str]:
    """Problems found when matching stored strokes against written ones.

    Every written stroke must be stored whole. A stored stroke that is not
    whole must be the beginning of a written one (closed when its link
    dropped); anything else is a problem.
    """
    problems = []
    stored_set = set(stored)
    for stroke in written:
        if stroke not in stored_set:
            problems.append(f"missing {stroke.pen} {stroke.start_ms}")
    by_start = {(s.pen, s.dots[0]): s for s in written}
    for stroke in stored_set - set(written):
        whole = by_start.get((stroke.pen, stroke.dots[0]))
        if whole is None or whole.dots[: len(stroke.dots)] != stroke.dots:
            problems.append(f"stray {stroke.pen} {stroke.start_ms}")
    return problems

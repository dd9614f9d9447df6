"""Which adapter serves which pen, and which pens get a live link (pure).

Each adapter holds ``links`` connections. When it serves no more pens than
that, every pen is live. When it serves more, one link is kept back for the
round-robin offline pull and the rest go live: pens already streaming keep
their link, then pens that have not been demoted, in binding order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PenView:
    """What placement needs to know about one bound pen."""

    address: str
    priority: int
    seen_by: frozenset[str]
    adapter: str | None = None
    streaming: bool = False
    demotions: int = 0


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a pen is served and whether it holds a live link."""

    adapter: str
    live: bool


def live_slots(pens_on_adapter: int, links: int) -> int:
    """Live links an adapter grants when it serves ``pens_on_adapter`` pens."""
    if pens_on_adapter <= links:
        return pens_on_adapter
    return max(links - 1, 0)


def place(
    pens: Sequence[PenView], adapters: Sequence[str], links: int
) -> dict[str, Placement]:
    """Placement of every pen some adapter has seen; unseen pens are left out."""
    load = {a: sum(1 for p in pens if p.adapter == a) for a in adapters}
    chosen: dict[str, str] = {}
    for pen in sorted(pens, key=lambda p: p.priority):
        if pen.adapter in load:
            chosen[pen.address] = pen.adapter
            continue
        candidates = [a for a in adapters if a in pen.seen_by]
        if not candidates:
            continue
        # The least loaded adapter that heard the pen; ties go to the first.
        best = min(candidates, key=lambda a: (load[a], adapters.index(a)))
        chosen[pen.address] = best
        load[best] += 1
    live: set[str] = set()
    for adapter in adapters:
        live |= _live_set(pens, chosen, adapter, links)
    return {a: Placement(adapter, a in live) for a, adapter in chosen.items()}


def _live_set(
    pens: Sequence[PenView], chosen: dict[str, str], adapter: str, links: int
) -> set[str]:
    mine = [p for p in pens if chosen.get(p.address) == adapter]
    order = sorted(mine, key=lambda p: (not p.streaming, p.demotions, p.priority))
    return {p.address for p in order[: live_slots(len(mine), links)]}

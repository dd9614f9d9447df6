"""A whole class of emulated pens through the real bleak API and the manager.

Two virtual adapters of seven links each serve 44 pens: 12 stream live, the
rest are pulled in turn. Pens advertise either UUID set or only a name, one
is locked, one stranger is not bound, and live links are dropped mid-stroke.
Every stroke written must reach the sink whole.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from edge.drivers.pen.config import PenConfig
from edge.drivers.pen.discovery import LONG_SET, SHORT_SET
from edge.drivers.pen.manager import PenManager
from edge.drivers.pen.pen_model import PenModel, PenProfile
from edge.models import Stroke
from tests.support.ble.pens import EmulatedPen
from tests.support.ble.radio import VirtualRadio

from .ble_helpers import Collector, account, pen_address, require_bumble, strokes_for

PENS = 44
LOCKED = 5
STROKES, DOTS = 4, 30


async def wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def make_class(radio: VirtualRadio) -> tuple[list[EmulatedPen], EmulatedPen]:
    pens = []
    for i in range(PENS):
        profile = PenProfile(
            mac=pen_address(i + 1),
            password="1111" if i == LOCKED else None,
            compress=i % 3 != 0,
            chunk_payload=700,
        )
        pen = EmulatedPen(
            radio, PenModel(profile),
            name="NWP-F121" if i % 2 else "Smart Pen",
            uuids=LONG_SET if i % 2 else SHORT_SET,
            advertise_service=i % 4 != 3,  # some pens advertise only a name
        )  # fmt: skip
        await pen.start()
        pens.append(pen)
    stranger = EmulatedPen(radio, PenModel(PenProfile(mac=pen_address(999))))
    await stranger.start()
    return pens, stranger


async def drop_live_links(pens: list[EmulatedPen], rounds: int) -> int:
    """Break a few live links mid-stroke, from the pens' side."""
    dropped = 0
    for _ in range(rounds):
        await asyncio.sleep(0.35)
        streaming = [p for p in pens if p.model.live and p.connection is not None]
        for pen in streaming[:3]:
            await pen.drop()
            dropped += 1
    return dropped


def test_a_class_of_pens_over_two_adapters_loses_no_stroke() -> None:
    require_bumble()

    async def scenario() -> None:
        radio = VirtualRadio(("hci0", "hci1"), link_limit=7)
        await radio.start()
        pens, stranger = await make_class(radio)
        config = PenConfig(
            adapters=("hci0", "hci1"), links_per_adapter=7, scan_s=0.4, rescan_s=2.0,
            backoff_base_s=0.05, backoff_cap_s=0.5, idle_wait_s=1.0,
            round_pause_s=0.05, passwords={pens[LOCKED].address: "1111"},
        )  # fmt: skip
        sink, unknown = Collector(), []
        manager = PenManager(
            {p.address: f"student-{i}" for i, p in enumerate(pens)}, sink,
            config=config, scanner_backend=radio.scanner_backend,
            client_backend=radio.client_backend,
            on_unknown=lambda address, name: unknown.append(address),
        )  # fmt: skip
        runner = asyncio.create_task(manager.run())

        started = time.monotonic()
        live = lambda: sum(1 for p in pens if p.model.live)  # noqa: E731
        assert await wait_until(lambda: live() >= 12, 30), manager.status()
        linked = time.monotonic()

        written: list[Stroke] = []
        for i, pen in enumerate(pens):
            written += strokes_for(pen.address, i, STROKES, DOTS)
        writers = [
            pen.write_all([s for s in written if s.pen == pen.address], 0.01)
            for pen in pens
        ]
        dropped = (await asyncio.gather(drop_live_links(pens, 2), *writers))[0]
        written_at = time.monotonic()
        settled = await wait_until(lambda: not account(written, sink.strokes), 60)
        # Measured behaviour, shown with ``pytest -s`` (see docs/pens.md).
        print(
            f"\n{PENS} pens: 12 live after {linked - started:.1f} s; writing took"
            f" {written_at - linked:.1f} s; all ink stored"
            f" {time.monotonic() - written_at:.1f} s later;"
            f" {manager.stats.visits} round-robin visits, {dropped} links dropped"
        )

        manager.stop()
        await runner
        await radio.close()
        problems = account(written, sink.strokes)
        assert settled and not problems, problems[:10]

        assert all(p.model.stored_strokes == 0 for p in pens)
        assert unknown == [stranger.address]
        assert stranger.links == 0
        assert radio.stats.overlapping_connects == 0
        assert radio.stats.refused_limit == 0
        assert max(radio.stats.peak_links.values()) <= 7
        # A drop during a link's set-up counts as a failed attempt instead.
        assert manager.stats.drops + manager.stats.connect_failures >= dropped > 0
        assert all(p.links >= 1 for p in pens)
        assert pens[LOCKED].model.clock_ms is not None  # got past the password

    asyncio.run(scenario())

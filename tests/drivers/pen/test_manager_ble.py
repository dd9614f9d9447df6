"""Pen manager behaviours on a small emulated class: demotion, bindings, captures."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.cli.main import main
from edge.drivers.pen.config import PenConfig
from edge.drivers.pen.manager import PenManager
from edge.drivers.pen.pen_model import PenModel, PenProfile
from tests.support.ble.pens import EmulatedPen
from tests.support.ble.radio import VirtualRadio

from .ble_helpers import Collector, account, pen_address, require_bumble, strokes_for


@pytest.fixture(autouse=True)
def _bumble() -> None:
    require_bumble()


FAST = {
    "scan_s": 0.3, "rescan_s": 1.0, "backoff_base_s": 0.05, "backoff_cap_s": 0.2,
    "idle_wait_s": 0.5, "round_pause_s": 0.05, "request_timeout_s": 2.0,
}  # fmt: skip


async def until(condition: Callable[[], bool], timeout_s: float = 20) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def start_pens(
    radio: VirtualRadio, profiles: list[PenProfile]
) -> list[EmulatedPen]:
    await radio.start()
    pens = []
    for profile in profiles:
        pen = EmulatedPen(radio, PenModel(profile))
        await pen.start()
        pens.append(pen)
    return pens


def test_a_pen_that_cannot_be_opened_yields_its_live_link() -> None:
    async def scenario() -> None:
        radio = VirtualRadio(link_limit=2)
        locked = PenProfile(mac=pen_address(1), password="4321")  # none configured
        pens = await start_pens(radio, [locked, PenProfile(mac=pen_address(2)),
                                        PenProfile(mac=pen_address(3))])  # fmt: skip
        config = PenConfig(links_per_adapter=2, demote_after=2, **FAST)
        manager = PenManager(
            {p.address: f"s{i}" for i, p in enumerate(pens)}, Collector(), config=config,
            scanner_backend=radio.scanner_backend, client_backend=radio.client_backend,
        )  # fmt: skip
        runner = asyncio.create_task(manager.run())
        # Two links, three pens: one live slot; the locked pen had it first.
        second = manager.pens[pens[1].address]
        assert await until(lambda: manager.stats.demotions >= 1 and second.live)
        assert await until(lambda: second.ready and pens[1].model.live)
        assert not manager.pens[pens[0].address].live
        assert not pens[0].model.authorised
        assert pens[0].model.retries == 0  # no password was ever guessed
        manager.stop()
        await runner
        await radio.close()

    asyncio.run(scenario())


def test_new_bindings_take_effect_and_strangers_stay_unused() -> None:
    async def scenario() -> None:
        radio = VirtualRadio()
        pens = await start_pens(radio, [PenProfile(mac=pen_address(i)) for i in (1, 2)])
        sink, unknown = Collector(), []
        manager = PenManager(
            {pens[0].address: "s0"}, sink, config=PenConfig(**FAST),
            scanner_backend=radio.scanner_backend, client_backend=radio.client_backend,
            on_unknown=lambda address, name: unknown.append(address),
        )  # fmt: skip
        runner = asyncio.create_task(manager.run())
        written = strokes_for(pens[1].address, 7, 2, 10)
        await pens[1].write_all(written)  # stored: nobody streams from it
        assert await until(lambda: unknown == [pens[1].address])
        await asyncio.sleep(0.5)
        assert pens[1].links == 0
        manager.set_bindings({pens[0].address: "s0", pens[1].address: "s1"})
        assert await until(lambda: not account(written, sink.strokes))
        assert pens[1].model.stored_strokes == 0
        manager.stop()
        await runner
        await radio.close()

    asyncio.run(scenario())


def test_recorded_captures_decode_back_to_the_strokes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def scenario() -> list[str]:
        radio = VirtualRadio()
        (pen,) = await start_pens(radio, [PenProfile(mac=pen_address(1))])
        sink = Collector()
        config = PenConfig(record_dir=str(tmp_path / "captures"), **FAST)
        manager = PenManager(
            {pen.address: "s0"}, sink, config=config,
            scanner_backend=radio.scanner_backend, client_backend=radio.client_backend,
        )  # fmt: skip
        runner = asyncio.create_task(manager.run())
        assert await until(lambda: pen.model.live)
        written = strokes_for(pen.address, 3, 2, 12)
        await pen.write_all(written, 0.005)
        assert await until(lambda: not account(written, sink.strokes))
        manager.stop()
        await runner
        await radio.close()
        return sorted(str(p) for p in (tmp_path / "captures").iterdir())

    files = asyncio.run(scenario())
    assert files
    capsys.readouterr()
    assert main(["pen", "decode", files[0], "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    types = [r["type"] for r in rows]
    assert types[:2] == ["version", "settings"]
    assert types.count("pen_up") == 2
    assert types.count("dot") == 24
    assert rows[-1]["type"] == "summary"
    assert rows[-1]["dropped_bytes"] == 0

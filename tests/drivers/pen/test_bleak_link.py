"""The real bleak API over the bumble backend: scan, link, MTU, drops, limits."""

from __future__ import annotations

import asyncio

import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError

from edge.drivers.pen.discovery import LONG_SET, SHORT_SET, UuidSet, is_pen
from edge.drivers.pen.pen_link import PenState
from edge.drivers.pen.pen_model import PenModel, PenProfile
from edge.drivers.pen.session import PenSession
from edge.drivers.pen.transport_bleak import BleakPenLink
from tests.support.ble.pens import EmulatedPen
from tests.support.ble.radio import VirtualRadio

from .ble_helpers import T0, Collector, pen_address, require_bumble, strokes_for


@pytest.fixture(autouse=True)
def _bumble() -> None:
    require_bumble()


async def radio_with_pens(
    count: int, *, link_limit: int | None = 7, request_mtu: int | None = None,
    uuids: UuidSet = SHORT_SET, advertise_service: bool = True,
) -> tuple[VirtualRadio, list[EmulatedPen]]:  # fmt: skip
    radio = VirtualRadio(link_limit=link_limit, request_mtu=request_mtu)
    await radio.start()
    pens = []
    for i in range(count):
        model = PenModel(PenProfile(mac=pen_address(i + 1)))
        pen = EmulatedPen(
            radio, model, uuids=uuids, advertise_service=advertise_service
        )
        await pen.start()
        pens.append(pen)
    return radio, pens


async def scan(
    radio: VirtualRadio, seconds: float = 0.3
) -> dict[str, tuple[BLEDevice, AdvertisementData]]:
    found = await BleakScanner.discover(
        timeout=seconds, return_adv=True, backend=radio.scanner_backend
    )
    return {d.address: (d, adv) for d, adv in found.values()}


def test_scanner_finds_pens_that_advertise_only_a_name() -> None:
    async def scenario() -> None:
        radio, pens = await radio_with_pens(3, advertise_service=False)
        found = await scan(radio)
        for pen in pens:
            _, adv = found[pen.address]
            assert adv.service_uuids == []
            assert adv.manufacturer_data[0x7B9C][:1] == b"\xd2"
            assert is_pen(adv.local_name, adv.service_uuids, adv.manufacturer_data)
        await radio.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(("uuids", "mtu"), [(SHORT_SET, None), (LONG_SET, 247)])
def test_session_over_a_bleak_link_with_small_and_large_mtu(
    uuids: UuidSet, mtu: int | None
) -> None:
    async def scenario() -> None:
        radio, (pen,) = await radio_with_pens(1, request_mtu=mtu, uuids=uuids)
        device, _ = (await scan(radio))[pen.address]
        sink = Collector()
        state = PenState(pen.address, "s1", 0)
        link = BleakPenLink(device, state.notify, backend=radio.client_backend)
        session = PenSession(pen.address, link, sink, clock=lambda: T0)
        state.session = session
        await link.open()
        assert link.mtu == (mtu or 23)
        info = await session.handshake()
        assert info.version.mac == pen.address
        await session.start_live()
        written = strokes_for(pen.address, 1, 3, 40)
        await pen.write_all(written)
        await asyncio.sleep(0.1)
        await session.close()
        await link.close()
        assert sink.strokes == written
        assert not link.lost.is_set()  # our own close is not a loss
        await radio.close()

    asyncio.run(scenario())


def test_pen_side_drop_fires_the_callback_and_a_new_link_delivers_once() -> None:
    async def scenario() -> None:
        radio, (pen,) = await radio_with_pens(1)
        device, _ = (await scan(radio))[pen.address]
        sink = Collector()
        written = strokes_for(pen.address, 2, 4, 20)
        for round_ in range(2):
            state = PenState(pen.address, "s1", 0)
            link = BleakPenLink(device, state.notify, backend=radio.client_backend)
            state.session = PenSession(pen.address, link, sink, clock=lambda: T0)
            await link.open()
            await state.session.handshake()
            await state.session.start_live()
            await pen.write(written[2 * round_])
            await pen.write(written[2 * round_ + 1])
            await asyncio.sleep(0.05)
            await pen.drop()
            await asyncio.wait_for(link.lost.wait(), 2)
            await state.session.close()
            await link.close()
        # Two links, each subscribed afresh: every stroke arrived exactly once.
        assert sink.strokes == written
        assert pen.links == 2
        await radio.close()

    asyncio.run(scenario())


def test_a_full_adapter_refuses_like_a_controller() -> None:
    async def scenario() -> None:
        radio, pens = await radio_with_pens(3, link_limit=2)
        found = await scan(radio)
        clients = []
        for pen in pens[:2]:
            client = BleakClient(found[pen.address][0], backend=radio.client_backend)
            await client.connect()
            clients.append(client)
        third = BleakClient(found[pens[2].address][0], backend=radio.client_backend)
        with pytest.raises(BleakError, match="0x0D"):
            await third.connect()
        assert radio.stats.refused_limit == 1
        for client in clients:
            await client.disconnect()
        await radio.close()

    asyncio.run(scenario())

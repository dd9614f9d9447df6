"""Scanning for pens through bleak, over bumble's virtual controllers."""

from __future__ import annotations

import asyncio

import pytest

from edge.provision.scan import scan_pens


def test_scan_hears_pens_and_ignores_other_devices() -> None:
    ble = pytest.importorskip("tests.support.ble.pens", reason="no BLE emulation")
    from bumble.core import AdvertisingData

    from edge.drivers.pen.pen_model import PenModel, PenProfile
    from tests.drivers.pen.ble_helpers import require_bumble
    from tests.support.ble.radio import VirtualRadio, make_device

    require_bumble()

    async def scenario() -> list[str]:
        radio = VirtualRadio()
        await radio.start()
        for mac in ("9C:7B:D2:02:00:01", "9C:7B:D2:02:00:02"):
            pen = ble.EmulatedPen(radio, PenModel(PenProfile(mac=mac)))
            await pen.start()
        speaker = make_device(radio.link, "speaker", "C0:FF:EE:00:00:01")
        await speaker.power_on()
        name = (AdvertisingData.COMPLETE_LOCAL_NAME, b"Classroom speaker")
        await speaker.start_advertising(
            advertising_data=bytes(AdvertisingData([name])), auto_restart=True
        )
        found = await scan_pens(0.5, backend=radio.scanner_backend)
        await radio.close()
        return sorted(p.address for p in found)

    assert asyncio.run(scenario()) == ["9C:7B:D2:02:00:01", "9C:7B:D2:02:00:02"]

"""A Bluetooth scan for smart pens, for pairing by holding a pen near the box.

Which advertisements are pens is the pen driver's call
(:func:`edge.drivers.pen.discovery.is_pen`); this module only runs one scan
through BlueZ and reports what it heard, loudest first.
"""

from __future__ import annotations

import asyncio
from typing import Any

from edge.drivers.pen.discovery import is_pen, pen_mac
from edge.provision.pairing import SeenPen


def bleak_scan(timeout_s: float, adapter: str | None = None) -> list[SeenPen]:
    """Pens heard by BlueZ within ``timeout_s`` (blocking; call off the loop)."""
    return asyncio.run(scan_pens(timeout_s, adapter))


async def scan_pens(
    timeout_s: float, adapter: str | None = None, backend: Any = None
) -> list[SeenPen]:
    """Pens heard within ``timeout_s``, loudest first (``backend``: for tests)."""
    from bleak import BleakScanner

    options: dict[str, Any] = {"backend": backend} if backend else {}
    if adapter:
        options["bluez"] = {"adapter": adapter}
    found = await BleakScanner.discover(timeout=timeout_s, return_adv=True, **options)
    pens = []
    for device, adv in found.values():
        if is_pen(adv.local_name, adv.service_uuids, adv.manufacturer_data):
            # The MAC in the advertisement is the one printed on the pen,
            # even when BlueZ reports a private address.
            address = pen_mac(adv.manufacturer_data) or device.address.upper()
            pens.append(SeenPen(address, adv.local_name or "", adv.rssi))
    return sorted(pens, key=lambda pen: pen.rssi, reverse=True)

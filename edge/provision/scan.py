"""A Bluetooth scan for smart pens, for pairing by holding a pen near the box.

Pens are recognised by what they advertise, not by a service filter: some
firmware advertises no service UUID at all, only a name and manufacturer data
that begins with the pen's own MAC (vendor prefix 9C:7B:D2).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from edge.provision.pairing import SeenPen

PEN_OUI = "9C:7B:D2"
# Addresses under this prefix belong to the vendor's other products.
NOT_PEN_PREFIX = "9C:7B:D2:01"
# bleak keys manufacturer data by its first two bytes read little-endian,
# which for these pens are the first two bytes of the MAC: 9C 7B.
PEN_MANUFACTURER_KEY = 0x7B9C


def looks_like_pen(
    address: str, name: str | None, manufacturer_keys: Iterable[int]
) -> bool:
    """True if an advertisement is probably a NeoSmartpen-protocol pen."""
    address = address.upper()
    if address.startswith(NOT_PEN_PREFIX):
        return False
    if address.startswith(PEN_OUI) or PEN_MANUFACTURER_KEY in set(manufacturer_keys):
        return True
    return bool(name) and "pen" in (name or "").lower()


def bleak_scan(timeout_s: float, adapter: str | None = None) -> list[SeenPen]:
    """Pens heard by BlueZ within ``timeout_s`` (blocking; call off the loop)."""
    return asyncio.run(_scan(timeout_s, adapter))


async def _scan(timeout_s: float, adapter: str | None) -> list[SeenPen]:
    from bleak import BleakScanner

    if adapter:
        found = await BleakScanner.discover(
            timeout=timeout_s, return_adv=True, adapter=adapter
        )
    else:
        found = await BleakScanner.discover(timeout=timeout_s, return_adv=True)
    pens = []
    for device, adv in found.values():
        if looks_like_pen(device.address, adv.local_name, adv.manufacturer_data):
            pens.append(SeenPen(device.address.upper(), adv.local_name or "", adv.rssi))
    return pens

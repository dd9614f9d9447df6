"""Recognising pens in advertisements, and their GATT UUID sets (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UuidSet:
    """Service, write and notify characteristic UUIDs of one pen generation."""

    service: str
    write: str
    notify: str


SHORT_SET = UuidSet(
    "000019f1-0000-1000-8000-00805f9b34fb",
    "00002ba0-0000-1000-8000-00805f9b34fb",
    "00002ba1-0000-1000-8000-00805f9b34fb",
)
LONG_SET = UuidSet(
    "4f99f138-9d53-5bfa-9e50-b147491afe68",
    "8bc8cc7d-88ca-56b0-af9a-9bf514d0d61a",
    "64cd86b1-2256-5aeb-9f04-2caf6c60ae57",
)
# Newer pens use the long set; look for it first, as the vendor apps do.
UUID_SETS = (LONG_SET, SHORT_SET)
SERVICE_UUIDS = frozenset(s.service for s in UUID_SETS)

# bleak keys manufacturer data by the two bytes after the AD type, read
# little-endian: for a 9C:7B:D2 MAC those are 9C 7B, i.e. key 0x7B9C.
MANUFACTURER_KEY = 0x7B9C
VENDOR_THIRD_BYTE = 0xD2
# The vendor SDK refuses MACs starting 9C:7B:D2:01 (another product line).
EXCLUDED_FOURTH_BYTE = 0x01
NAME_MARKERS = ("neo", "nwp-", "smart pen", "smartpen", "moleskine", "dimo")


def pen_mac(manufacturer_data: Mapping[int, bytes]) -> str | None:
    """The pen MAC carried in manufacturer data, or None if it is not a pen's."""
    rest = manufacturer_data.get(MANUFACTURER_KEY)
    if rest is None or len(rest) < 4 or rest[0] != VENDOR_THIRD_BYTE:
        return None
    if rest[1] == EXCLUDED_FOURTH_BYTE:
        return None
    return ":".join(f"{b:02X}" for b in (0x9C, 0x7B, *rest[:4]))


def is_pen(
    name: str | None,
    service_uuids: Iterable[str],
    manufacturer_data: Mapping[int, bytes],
) -> bool:
    """Whether an advertisement comes from a protocol-2 pen.

    Service UUIDs alone are not enough: some pens advertise only a name, so
    the vendor manufacturer data and known names count as well.
    """
    if SERVICE_UUIDS.intersection(u.lower() for u in service_uuids):
        return True
    if pen_mac(manufacturer_data) is not None:
        return True
    lowered = (name or "").lower()
    return any(marker in lowered for marker in NAME_MARKERS)


def normalise_address(address: str) -> str:
    """An address in the one form used for bindings and logs: upper case."""
    return address.strip().upper()

"""A virtual Bluetooth radio: bumble controllers on one in-process LocalLink.

Each gateway adapter ("hci0", "hci1", ...) is a bumble central device; each
emulated pen is a peripheral on the same link. The radio injects what the
virtual controller lacks: a per-adapter connection limit (real controllers
refuse with 0x0D "Limited Resources") and a record of concurrent connection
attempts, which real controllers do not allow either.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from bleak.exc import BleakError
from bumble.controller import Controller
from bumble.device import Connection, Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

log = logging.getLogger(__name__)


def make_device(link: LocalLink, name: str, address: str) -> Device:
    """A bumble device with its own virtual controller on ``link``."""
    controller = Controller(name, link=link, public_address=address)
    host = Host(controller, AsyncPipeSink(controller))
    return Device(name=name, address=Address(address), host=host)


def address_text(address: Address) -> str:
    """An address as bleak shows it: upper case, without bumble's type suffix."""
    return str(address).split("/", 1)[0].upper()


@dataclass(slots=True)
class RadioStats:
    """What the radio saw happen, for tests to check."""

    connects: int = 0
    refused_limit: int = 0
    overlapping_connects: int = 0
    peak_links: dict[str, int] = field(default_factory=dict)


class Adapter:
    """One gateway adapter: a central device with a connection limit."""

    def __init__(self, radio: VirtualRadio, name: str, address: str) -> None:
        self.radio = radio
        self.name = name
        self.device = make_device(radio.link, name, address)
        self.lock = asyncio.Lock()

    @property
    def links(self) -> int:
        """Connections this adapter holds now."""
        return len(self.device.connections)

    async def connect(self, target: Address, timeout: float) -> Connection:
        """Connect to ``target``, refusing beyond the limit like a controller."""
        stats = self.radio.stats
        if self.lock.locked():
            stats.overlapping_connects += 1
        async with self.lock:
            limit = self.radio.link_limit
            if limit is not None and self.links >= limit:
                stats.refused_limit += 1
                raise BleakError(f"{self.name}: 0x0D Limited Resources")
            try:
                connection = await self.device.connect(target, timeout=timeout)
            except Exception as exc:
                raise BleakError(f"{self.name}: connect failed: {exc!r}") from exc
            stats.connects += 1
            peak = stats.peak_links.get(self.name, 0)
            stats.peak_links[self.name] = max(peak, self.links)
            return connection


class VirtualRadio:
    """The link, the gateway's adapters, and bleak backends bound to them."""

    def __init__(
        self,
        adapters: tuple[str, ...] = ("hci0",),
        *,
        link_limit: int | None = 7,
        request_mtu: int | None = None,
    ) -> None:
        self.link = LocalLink()
        self.link_limit = link_limit
        self.request_mtu = request_mtu
        self.stats = RadioStats()
        self.adapters = {
            name: Adapter(self, name, f"F0:F0:F0:F0:F0:{i:02X}")
            for i, name in enumerate(adapters)
        }

    async def start(self) -> None:
        """Power the adapters on."""
        for adapter in self.adapters.values():
            await adapter.device.power_on()

    def adapter(self, name: str | None) -> Adapter:
        """The adapter called ``name`` (the first one when None)."""
        if name is None:
            return next(iter(self.adapters.values()))
        try:
            return self.adapters[name]
        except KeyError:
            raise BleakError(f"no adapter {name!r}") from None

    @property
    def scanner_backend(self) -> type[Any]:
        """A bleak scanner backend class bound to this radio."""
        from tests.support.ble.backend import BumbleScanner

        return type("BumbleScanner", (BumbleScanner,), {"radio": self})

    @property
    def client_backend(self) -> type[Any]:
        """A bleak client backend class bound to this radio."""
        from tests.support.ble.backend import BumbleClient

        return type("BumbleClient", (BumbleClient,), {"radio": self})

    async def close(self) -> None:
        """Drop every connection of the adapters."""
        for adapter in self.adapters.values():
            for connection in list(adapter.device.connections.values()):
                try:
                    await connection.disconnect()
                except Exception as exc:  # already gone
                    log.debug("close: %r", exc)

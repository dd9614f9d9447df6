"""The pen's GATT link through bleak: connect, subscribe, write in pieces.

The only module of the pen driver that talks to a radio. The bleak backend
is injected, so tests run the same code over emulated controllers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice

from edge.drivers.pen.discovery import UUID_SETS
from edge.drivers.pen.errors import PenConnectError

log = logging.getLogger(__name__)

# The ATT header takes 3 bytes of every packet; 23 is the BLE minimum MTU.
ATT_HEADER = 3
MIN_MTU = 23


class BleakPenLink:
    """One connection to one pen over bleak.

    ``on_notification`` gets every value the pen notifies; ``lost`` is set
    when the pen or the radio drops the link (not when :meth:`close` does).
    """

    def __init__(
        self,
        device: BLEDevice,
        on_notification: Callable[[bytearray], None],
        *,
        backend: type[BaseBleakClient] | None = None,
        adapter: str | None = None,
        timeout_s: float = 10.0,
        write_timeout_s: float = 5.0,
    ) -> None:
        self.address = device.address.upper()
        self.lost = asyncio.Event()
        self.mtu = MIN_MTU
        self._device = device
        self._on_notification = on_notification
        self._backend = backend
        self._adapter = adapter
        self._timeout = timeout_s
        self._write_timeout = write_timeout_s
        self._client: BleakClient | None = None
        self._write_char: BleakGATTCharacteristic | None = None

    async def open(self) -> None:
        """Connect, find the pen service (either UUID set) and subscribe."""
        bluez: Any = {"adapter": self._adapter} if self._adapter else {}
        client = BleakClient(
            self._device, disconnected_callback=self._dropped,
            timeout=self._timeout, backend=self._backend, bluez=bluez,
        )  # fmt: skip
        self._client = client
        try:
            await asyncio.wait_for(self._connect(client), self._timeout)
        except PenConnectError:
            await self.close()
            raise
        except (Exception, asyncio.CancelledError) as exc:
            await self.close()
            raise self._error("cannot open link", exc) from exc
        self.mtu = max(MIN_MTU, client.mtu_size)
        log.info("%s: link open, MTU %d", self.address, self.mtu)

    async def _connect(self, client: BleakClient) -> None:
        await client.connect()
        notify = self._characteristics(client)
        # A fresh client per connection: a subscription never outlives its
        # link, so nothing is delivered twice after a reconnect.
        await client.start_notify(notify, self._notified)

    def _characteristics(self, client: BleakClient) -> BleakGATTCharacteristic:
        for uuids in UUID_SETS:
            service = client.services.get_service(uuids.service)
            if service is None:
                continue
            write = service.get_characteristic(uuids.write)
            notify = service.get_characteristic(uuids.notify)
            if write is not None and notify is not None:
                self._write_char = write
                return notify
        raise PenConnectError("no pen service on this device", self.address)

    def _notified(self, _: BleakGATTCharacteristic, data: bytearray) -> None:
        self._on_notification(data)

    def _dropped(self, _: BleakClient) -> None:
        log.info("%s: link lost", self.address)
        self.lost.set()

    @property
    def connected(self) -> bool:
        """Whether the link is up."""
        return self._client is not None and self._client.is_connected

    async def write(self, data: bytes) -> None:
        """Send a frame, in MTU-sized writes with response (the flow control)."""
        client, char = self._client, self._write_char
        if client is None or char is None or not client.is_connected:
            raise PenConnectError("link is not open", self.address)
        size = self.mtu - ATT_HEADER
        try:
            for start in range(0, len(data), size):
                piece = data[start : start + size]
                write = client.write_gatt_char(char, piece, response=True)
                await asyncio.wait_for(write, self._write_timeout)
        except (Exception, asyncio.CancelledError) as exc:
            raise self._error("write failed", exc) from exc

    def _error(self, what: str, exc: BaseException) -> PenConnectError:
        """The link error for ``exc``; a real cancellation is re-raised instead.

        Backends raise their own kinds of errors, and some (bumble among them)
        cancel pending GATT operations when the link drops, which reaches us
        as a CancelledError although nobody cancelled our task.
        """
        task = asyncio.current_task()
        if isinstance(exc, asyncio.CancelledError) and task and task.cancelling():
            raise exc
        return PenConnectError(f"{what}: {exc!r}", self.address)

    async def close(self) -> None:
        """Disconnect; safe to call more than once and on a dead link."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            await client.disconnect()
        except Exception as exc:  # the link may be half gone; nothing to save
            log.debug("%s: disconnect: %r", self.address, exc)

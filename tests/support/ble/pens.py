"""Emulated pens: bumble GATT servers that run the pen firmware model.

Each pen advertises like a real one (either UUID set, or only a name and the
vendor manufacturer data), answers requests through
:class:`~edge.drivers.pen.pen_model.PenModel`, cuts every notification to the
connection's MTU - 3 bytes, and can drop its link on demand. A stroke
written while the pen streams goes out live, dot by dot at the writing pace;
if the link breaks before the pen-up went out, the pen keeps the whole
stroke in its offline storage, as it keeps strokes written while no host
streams.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bumble import gatt
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device

from edge.drivers.pen.discovery import SHORT_SET, UuidSet
from edge.drivers.pen.frames import split_notifications
from edge.drivers.pen.pen_model import PenModel
from edge.models import Stroke
from tests.support.ble.radio import VirtualRadio, make_device

log = logging.getLogger(__name__)

# Real pens advertise about every 20 to 100 ms; fast keeps scans short.
ADVERTISING_INTERVAL_MS = 20


class EmulatedPen:
    """One pen on the virtual radio."""

    def __init__(
        self,
        radio: VirtualRadio,
        model: PenModel,
        *,
        name: str = "Smart Pen",
        uuids: UuidSet = SHORT_SET,
        advertise_service: bool = True,
    ) -> None:
        self.model = model
        self.address = model.profile.mac
        self.name = name
        self.uuids = uuids
        self.advertise_service = advertise_service
        self.device: Device = make_device(
            radio.link, f"pen-{self.address}", self.address
        )
        self.connection: Connection | None = None
        self.delivered_live: list[Stroke] = []
        self.links = 0
        self._outbox: asyncio.Queue[bytes | None] | None = None
        self._sender: asyncio.Task[None] | None = None
        self._notify = gatt.Characteristic(
            UUID(uuids.notify), gatt.Characteristic.Properties.NOTIFY,
            gatt.Characteristic.READABLE, b"",
        )  # fmt: skip
        write = gatt.Characteristic(
            UUID(uuids.write),
            gatt.Characteristic.Properties.WRITE
            | gatt.Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
            gatt.Characteristic.WRITEABLE,
            gatt.CharacteristicValue(write=self._written),
        )  # fmt: skip
        self.device.add_service(
            gatt.Service(UUID(uuids.service), [write, self._notify])
        )
        self.device.on("connection", self._connected)

    async def start(self) -> None:
        """Power on and advertise."""
        await self.device.power_on()
        await self._advertise()

    async def _advertise(self) -> None:
        mac = bytes.fromhex(self.address.replace(":", ""))
        fields = [
            (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode()),
            # MAC, one unknown byte, company (2), product, colour.
            (AdvertisingData.MANUFACTURER_SPECIFIC_DATA, mac + b"\x00\x00\x00\x01\x00"),
        ]
        if self.advertise_service:
            service = UUID(self.uuids.service)
            kind = (
                AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS
                if self.uuids is SHORT_SET
                else AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS
            )
            fields.append((kind, service.to_bytes()))
        await self.device.start_advertising(
            advertising_data=bytes(AdvertisingData(fields)),
            advertising_interval_min=ADVERTISING_INTERVAL_MS,
            advertising_interval_max=ADVERTISING_INTERVAL_MS,
            auto_restart=True,
        )

    # Link ------------------------------------------------------------------

    def _connected(self, connection: Connection) -> None:
        self.connection = connection
        self.links += 1
        self.model.connect()
        self._outbox = asyncio.Queue()
        self._sender = asyncio.get_running_loop().create_task(
            self._send_loop(connection, self._outbox)
        )
        connection.on("disconnection", lambda reason: self._disconnected(connection))

    def _disconnected(self, connection: Connection) -> None:
        if self.connection is connection:
            self.connection = None
            self.model.disconnect()
            if self._outbox is not None:
                self._outbox.put_nowait(None)
            self._outbox = None

    async def drop(self) -> None:
        """Break the link from the pen's side, as when it goes out of range."""
        connection = self.connection
        if connection is not None:
            await connection.disconnect()

    # Traffic ---------------------------------------------------------------

    def _written(self, connection: Connection, value: bytes) -> None:
        for frame in self.model.receive(bytes(value)):
            self._queue(frame)

    def _queue(self, frame: bytes) -> None:
        if self._outbox is not None:
            self._outbox.put_nowait(frame)

    async def _send_loop(
        self, connection: Connection, outbox: asyncio.Queue[bytes | None]
    ) -> None:
        while True:
            frame = await outbox.get()
            if frame is None or self.connection is not connection:
                return
            for piece in split_notifications(frame, connection.att_mtu):
                try:
                    await self.device.notify_subscriber(connection, self._notify, piece)
                except Exception as exc:  # link went down under us
                    log.debug("%s: notify failed: %r", self.address, exc)
                    return
            outbox.task_done()

    async def write(self, stroke: Stroke, dot_interval_s: float = 0.0) -> bool:
        """The student writes ``stroke``; True if it went out live in full."""
        frames = self.model.live_frames(stroke)
        if frames is None:
            self.model.store(stroke)
            return False
        connection, outbox = self.connection, self._outbox
        for frame in frames:
            if self.connection is not connection or outbox is None:
                break
            outbox.put_nowait(frame)
            if dot_interval_s and frame[1] == 0x6C:
                await asyncio.sleep(dot_interval_s)
        delivered = await self._drained(connection, outbox)
        if delivered:
            self.delivered_live.append(stroke)
        else:
            self.model.store(stroke)
        return delivered

    async def _drained(
        self, connection: Connection | None, outbox: asyncio.Queue[bytes | None] | None
    ) -> bool:
        if outbox is None or connection is None:
            return False
        waiter = asyncio.ensure_future(outbox.join())
        while not waiter.done():
            if self.connection is not connection:
                waiter.cancel()
                return False
            await asyncio.wait({waiter}, timeout=0.01)
        return self.connection is connection

    async def write_all(
        self, strokes: Sequence[Stroke], dot_interval_s: float = 0.0
    ) -> None:
        """Write strokes one after another."""
        for stroke in strokes:
            await self.write(stroke, dot_interval_s)

"""bleak backends over bumble's virtual controllers (scanner and client).

They implement bleak's backend interfaces, so ``BleakScanner(...,
backend=radio.scanner_backend)`` and ``BleakClient(..., backend=
radio.client_backend)`` give the real bleak API over emulated radios. The
adapter is chosen the way BlueZ users choose it: ``bluez={"adapter": ...}``.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from bleak.args import SizedBuffer
from bleak.assigned_numbers import gatt_char_props_to_strs
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError
from bumble.core import UUID, AdvertisingData
from bumble.device import Advertisement, Connection, Peer
from bumble.hci import Address

from tests.support.ble.radio import Adapter, address_text

if TYPE_CHECKING:
    from tests.support.ble.radio import VirtualRadio

log = logging.getLogger(__name__)
T = TypeVar("T")

_UUID_LISTS = {
    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS: 2,
    AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS: 2,
    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS: 16,
    AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS: 16,
}


def advertisement_data(adv: Advertisement) -> AdvertisementData:
    """bleak's view of a bumble advertisement (name, UUIDs, manufacturer data)."""
    name: str | None = None
    uuids: list[str] = []
    maker: dict[int, bytes] = {}
    for kind, value in adv.data.ad_structures:
        if kind in (
            AdvertisingData.COMPLETE_LOCAL_NAME,
            AdvertisingData.SHORTENED_LOCAL_NAME,
        ):
            name = value.decode("utf-8", errors="replace")
        elif kind in _UUID_LISTS:
            size = _UUID_LISTS[kind]
            uuids += [
                _uuid_text(value[i : i + size]) for i in range(0, len(value), size)
            ]
        elif kind == AdvertisingData.MANUFACTURER_SPECIFIC_DATA and len(value) >= 2:
            (key,) = struct.unpack_from("<H", value)
            maker[key] = bytes(value[2:])
    return AdvertisementData(
        local_name=name, manufacturer_data=maker, service_data={},
        service_uuids=uuids, tx_power=None, rssi=adv.rssi, platform_data=(adv,),
    )  # fmt: skip


def _uuid_text(raw: bytes) -> str:
    if len(raw) == 2:
        return f"0000{int.from_bytes(raw, 'little'):04x}-0000-1000-8000-00805f9b34fb"
    h = raw[::-1].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class BumbleScanner(BaseBleakScanner):
    """Scans with one adapter of the virtual radio."""

    radio: ClassVar[VirtualRadio]

    def __init__(
        self,
        detection_callback: Any,
        service_uuids: list[str] | None,
        scanning_mode: str,
        *,
        bluez: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._adapter: Adapter = self.radio.adapter((bluez or {}).get("adapter"))
        self._active = scanning_mode != "passive"

    async def start(self) -> None:
        self.seen_devices = {}
        device = self._adapter.device
        device.on("advertisement", self._advertised)
        await device.start_scanning(active=self._active, filter_duplicates=False)

    async def stop(self) -> None:
        device = self._adapter.device
        device.remove_listener("advertisement", self._advertised)
        await device.stop_scanning()

    def _advertised(self, adv: Advertisement) -> None:
        data = advertisement_data(adv)
        if not self.is_allowed_uuid(data.service_uuids):
            return
        address = address_text(adv.address)
        device = self.create_or_update_device(
            address, address, data.local_name, adv.address, data
        )
        self.call_detection_callbacks(device, data)


class BumbleClient(BaseBleakClient):
    """A GATT client on one adapter of the virtual radio."""

    radio: ClassVar[VirtualRadio]

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Any = None,
        services: set[str] | None = None,
        timeout: float = 10.0,
        bluez: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback,
            timeout=timeout,
        )  # fmt: skip
        self._adapter = self.radio.adapter((bluez or {}).get("adapter"))
        if isinstance(address_or_ble_device, BLEDevice):
            self._target: Address = address_or_ble_device.details
        else:
            self._target = Address(address_or_ble_device)
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._closing = False

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        connection = await self._adapter.connect(self._target, self._timeout)
        self._connection = connection
        connection.on("disconnection", self._on_disconnection)
        peer = Peer(connection)
        self._peer = peer
        try:
            if self.radio.request_mtu:
                await peer.request_mtu(self.radio.request_mtu)
            self.services = await self._gatt(self._discover(peer))
        except Exception as exc:
            await self.disconnect()
            raise BleakError(f"discovery failed: {exc!r}") from exc

    async def _discover(self, peer: Peer) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        await peer.discover_services()
        for service in peer.services:
            await service.discover_characteristics()
            uuid = _long_uuid(service.uuid)
            item = BleakGATTService(service, service.handle, uuid)
            collection.add_service(item)
            for char in service.characteristics:
                await char.discover_descriptors()
                collection.add_characteristic(self._characteristic(char, item))
                for desc in char.descriptors:
                    owner = collection.get_characteristic(char.handle)
                    assert owner is not None
                    collection.add_descriptor(
                        BleakGATTDescriptor(
                            desc, desc.handle, _long_uuid(desc.type), owner
                        )
                    )
        return collection

    def _characteristic(
        self, char: Any, service: BleakGATTService
    ) -> BleakGATTCharacteristic:
        props = sorted(gatt_char_props_to_strs(int(char.properties)))
        return BleakGATTCharacteristic(
            char, char.handle, _long_uuid(char.uuid), props,
            lambda: self.mtu_size - 3, service,
        )  # fmt: skip

    def _on_disconnection(self, reason: int) -> None:
        self._connection = None
        # bleak calls back only when the peer or radio drops the link.
        if not self._closing and self._disconnected_callback is not None:
            asyncio.get_running_loop().call_soon(self._disconnected_callback)

    async def disconnect(self) -> None:
        connection, self._closing = self._connection, True
        if connection is None:
            return
        try:
            await connection.disconnect()
        except Exception as exc:  # the link may already be gone
            log.debug("disconnect: %r", exc)
        self._connection = None

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("pens do not pair")

    async def unpair(self) -> None:
        raise NotImplementedError("pens do not pair")

    async def _gatt(self, operation: Awaitable[T]) -> T:
        """Run a GATT operation, reporting a dropped link as bleak does."""
        try:
            return await operation
        except asyncio.CancelledError as exc:
            # bumble cancels pending requests when the link drops; bleak
            # backends report that as an error, not as a cancellation.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            raise BleakError("disconnected during a GATT operation") from exc

    def _require(self) -> Peer:
        if self._peer is None or self._connection is None:
            raise BleakError("Not connected")
        return self._peer

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, **kwargs: Any
    ) -> bytearray:
        return bytearray(
            await self._gatt(self._require().read_value(characteristic.obj))
        )

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, **kwargs: Any
    ) -> bytearray:
        return bytearray(await self._gatt(self._require().read_value(descriptor.obj)))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        peer = self._require()
        write = peer.write_value(
            characteristic.obj, bytes(data), with_response=response
        )
        try:
            await self._gatt(write)
        except BleakError:
            raise
        except Exception as exc:
            raise BleakError(f"write failed: {exc!r}") from exc

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        peer = self._require()
        await self._gatt(
            peer.write_value(descriptor.obj, bytes(data), with_response=True)
        )

    async def start_notify(
        self,
        characteristic: BleakGATTCharacteristic,
        callback: NotifyCallback,
        **kwargs: Any,
    ) -> None:
        def deliver(value: bytes) -> None:
            callback(bytearray(value))

        peer = self._require()
        await self._gatt(
            peer.subscribe(characteristic.obj, deliver, prefer_notify=True)
        )

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        await self._require().unsubscribe(characteristic.obj)


def _long_uuid(uuid: UUID) -> str:
    """bleak's UUID form: 128 bits, lower case, dashed."""
    return _uuid_text(uuid.to_bytes(force_128=True))

"""What a pen answers to host requests (opcodes 0x81 and above).

A successful response carries RESULT 0, which these classes leave implicit;
a failed one becomes :class:`CommandFailed` in the codec.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar

from edge.drivers.pen.frames import PenCmd
from edge.drivers.pen.wire import (
    U16,
    U32,
    NoteRef,
    need,
    pack_so,
    pack_text,
    unpack_so,
    unpack_text,
)

_SETTINGS = struct.Struct("<BBBQHHBBBBBBBB")
_VERSION_TAIL = struct.Struct("<H6sBHBB")
_TRIPLE = struct.Struct("<BBB")
_OFFLINE_INFO = struct.Struct("<IIB")

# Firmware limits of one response (note list and page list).
MAX_NOTES = 64
MAX_PAGES = 128


def _mac_text(raw: bytes) -> str:
    return ":".join(f"{b:02X}" for b in raw)


def _mac_bytes(text: str) -> bytes:
    raw = bytes.fromhex(text.replace(":", ""))
    if len(raw) != 6:
        raise ValueError(f"not a MAC address: {text!r}")
    return raw


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """Who the pen is: model, firmware, protocol version and identity codes."""

    TYPE: ClassVar[str] = "version"
    device_name: str
    firmware: str
    protocol: str
    sub_name: str = ""
    device_type: int = 0
    mac: str = "00:00:00:00:00:00"
    pressure_sensor: int = 0
    company: int = 0
    product: int = 0
    color: int = 0
    compression: bool | None = None

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.VERSION

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        names = pack_text(self.device_name, 16) + pack_text(self.firmware, 16)
        names += pack_text(self.protocol, 8) + pack_text(self.sub_name, 16)
        ids = (self.pressure_sensor, self.company, self.product, self.color)
        tail = _VERSION_TAIL.pack(self.device_type, _mac_bytes(self.mac), *ids)
        extra = b"" if self.compression is None else bytes((int(self.compression),))
        return names + tail + extra

    @classmethod
    def unpack(cls, data: bytes) -> VersionInfo:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, 56 + _VERSION_TAIL.size, "version")
        name, firmware = unpack_text(data, 0, 16), unpack_text(data, 16, 16)
        protocol, sub = unpack_text(data, 32, 8), unpack_text(data, 40, 16)
        tail = _VERSION_TAIL.unpack_from(data, 56)
        dtype, mac, sensor, company, product, color = tail
        # The compression flag exists only from protocol 2.22 on.
        compression = bool(data[69]) if len(data) > 69 else None
        ids = (sensor, company, product, color, compression)
        return cls(name, firmware, protocol, sub, dtype, _mac_text(mac), *ids)


@dataclass(frozen=True, slots=True)
class PenSettings:
    """The pen's state and settings, asked for right after the version."""

    TYPE: ClassVar[str] = "settings"
    locked: bool
    max_retries: int
    retries: int
    clock_ms: int
    auto_power_off: int
    max_force: int
    storage_used: int
    cap_off: bool
    auto_power_on: bool
    beep: bool
    hover: bool
    battery: int
    offline_storage: bool
    sensitivity: int

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.SETTINGS

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        head = (int(self.locked), self.max_retries, self.retries, self.clock_ms)
        mid = (self.auto_power_off, self.max_force, self.storage_used)
        flags = (int(self.cap_off), int(self.auto_power_on), int(self.beep))
        tail = (int(self.hover), self.battery, int(self.offline_storage))
        return _SETTINGS.pack(*head, *mid, *flags, *tail, self.sensitivity)

    @classmethod
    def unpack(cls, data: bytes) -> PenSettings:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, _SETTINGS.size, "settings")
        v = _SETTINGS.unpack_from(data)
        flags = (bool(v[7]), bool(v[8]), bool(v[9]), bool(v[10]))
        return cls(bool(v[0]), v[1], v[2], v[3], v[4], v[5], v[6], *flags,
                   v[11], bool(v[12]), v[13])  # fmt: skip


@dataclass(frozen=True, slots=True)
class PasswordStatus:
    """Answer to a password: status 1 means the pen is now authorised."""

    TYPE: ClassVar[str] = "password"
    status: int
    retries: int
    retry_limit: int

    REQUIRED: ClassVar[int] = 0
    ACCEPTED: ClassVar[int] = 1
    RESET: ClassVar[int] = 2

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.PASSWORD

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        return _TRIPLE.pack(self.status, self.retries, self.retry_limit)

    @classmethod
    def unpack(cls, data: bytes) -> PasswordStatus:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, 3, "password status")
        return cls(*_TRIPLE.unpack_from(data))


@dataclass(frozen=True, slots=True)
class PasswordChanged:
    """Answer to a password change: status 0 means it took effect."""

    TYPE: ClassVar[str] = "password_change"
    retries: int
    retry_limit: int
    status: int

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.PASSWORD_CHANGE

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        return _TRIPLE.pack(self.retries, self.retry_limit, self.status)

    @classmethod
    def unpack(cls, data: bytes) -> PasswordChanged:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, 3, "password change")
        return cls(*_TRIPLE.unpack_from(data))


@dataclass(frozen=True, slots=True)
class SettingChanged:
    """Answer to a setting change: which setting and whether it took."""

    TYPE: ClassVar[str] = "setting_changed"
    setting: int
    ok: bool

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.SETTING_CHANGE

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        return bytes((self.setting, 0 if self.ok else 1))

    @classmethod
    def unpack(cls, data: bytes) -> SettingChanged:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, 2, "setting change")
        return cls(data[0], data[1] == 0)


@dataclass(frozen=True, slots=True)
class LiveEnabled:
    """The pen will now stream live dots."""

    TYPE: ClassVar[str] = "live_enabled"

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.LIVE_ENABLE

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        return b""

    @classmethod
    def unpack(cls, data: bytes) -> LiveEnabled:
        """The message read from frame DATA; ValueError when DATA is short."""
        return cls()


@dataclass(frozen=True, slots=True)
class NotesDeleted:
    """The pen deleted the stored notes it was asked to delete."""

    TYPE: ClassVar[str] = "notes_deleted"

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.OFFLINE_DELETE

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        return b""

    @classmethod
    def unpack(cls, data: bytes) -> NotesDeleted:
        """The message read from frame DATA; ValueError when DATA is short."""
        return cls()


@dataclass(frozen=True, slots=True)
class NoteList:
    """Notes that hold stored (offline) strokes, at most 64 per answer."""

    TYPE: ClassVar[str] = "note_list"
    notes: tuple[NoteRef, ...]

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.NOTE_LIST

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        return U16.pack(len(self.notes)) + b"".join(n.pack() for n in self.notes)

    @classmethod
    def unpack(cls, data: bytes) -> NoteList:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, 2, "note list")
        (n,) = U16.unpack_from(data)
        need(data, 2 + 8 * n, "note list")
        return cls(tuple(NoteRef.unpack(data, 2 + 8 * i) for i in range(n)))


@dataclass(frozen=True, slots=True)
class PageList:
    """Pages of one note that hold stored strokes, at most 128 per answer."""

    TYPE: ClassVar[str] = "page_list"
    section: int
    owner: int
    note: int
    pages: tuple[int, ...]

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.PAGE_LIST

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        head = pack_so(self.section, self.owner) + U32.pack(self.note)
        body = b"".join(U32.pack(p) for p in self.pages)
        return head + U16.pack(len(self.pages)) + body

    @classmethod
    def unpack(cls, data: bytes) -> PageList:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, 10, "page list")
        section, owner = unpack_so(data)
        (note,) = U32.unpack_from(data, 4)
        (n,) = U16.unpack_from(data, 8)
        need(data, 10 + 4 * n, "page list")
        pages = struct.unpack_from(f"<{n}I", data, 10)
        return cls(section, owner, note, tuple(pages))


@dataclass(frozen=True, slots=True)
class OfflineInfo:
    """Answer to a data request: how many strokes and bytes will follow."""

    TYPE: ClassVar[str] = "offline_data"
    strokes: int
    size: int
    compressed: bool

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return PenCmd.OFFLINE_DATA

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        return _OFFLINE_INFO.pack(self.strokes, self.size, int(self.compressed))

    @classmethod
    def unpack(cls, data: bytes) -> OfflineInfo:
        """The message read from frame DATA; ValueError when DATA is short."""
        need(data, _OFFLINE_INFO.size, "offline data")
        strokes, size, compressed = _OFFLINE_INFO.unpack_from(data)
        return cls(strokes, size, bool(compressed))


@dataclass(frozen=True, slots=True)
class CommandFailed:
    """A response whose RESULT byte reports failure."""

    TYPE: ClassVar[str] = "command_failed"
    response: int
    result: int
    data: bytes = b""

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return self.response

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        return self.data


@dataclass(frozen=True, slots=True)
class UnknownFrame:
    """A well-formed frame with an opcode this driver does not interpret."""

    TYPE: ClassVar[str] = "unknown"
    command: int
    result: int | None
    data: bytes

    @property
    def cmd(self) -> int:
        """Opcode of this message's frame."""
        return self.command

    def pack(self) -> bytes:
        """The frame DATA for this message."""
        return self.data

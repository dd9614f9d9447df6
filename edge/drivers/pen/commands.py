"""What the host asks of a pen: one class per request, packed to frame DATA.

The emulated pen unpacks the same classes, so every request round-trips.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import ClassVar

from edge.drivers.pen.frames import HostCmd
from edge.drivers.pen.wire import (
    ALL_OWNERS,
    ALL_SECTIONS,
    U16,
    U32,
    U64,
    NoteRef,
    need,
    pack_so,
    pack_text,
    unpack_so,
    unpack_text,
)

# The vendor web SDK announces itself with these; pens accept them.
DEFAULT_APP_TYPE = 0x01F0
DEFAULT_PROTOCOL = "2.18"
_ACK = struct.Struct("<HB")
_DATA_HEAD = struct.Struct("<BB")


class Setting(enum.IntEnum):
    """Setting numbers of the 0x05 request."""

    CLOCK = 1
    AUTO_POWER_OFF = 2
    CAP_OFF = 3
    AUTO_POWER_ON = 4
    BEEP = 5
    HOVER = 6
    OFFLINE_STORAGE = 7
    LED_COLOR = 8
    SENSITIVITY = 9
    USB_MODE = 10
    DOWN_SAMPLING = 11
    LOCAL_NAME = 12
    SENSITIVITY_FSC = 13
    DATA_TRANSMISSION = 14
    BEEP_AND_LIGHT = 16
    FORMAT = 17


@dataclass(frozen=True, slots=True)
class VersionRequest:
    """First request of every connection; the pen answers with its version."""

    app_name: str = ""
    app_type: int = DEFAULT_APP_TYPE
    app_version: str = "0.0.0.0"  # noqa: S104 - a version, not an address
    protocol: str = DEFAULT_PROTOCOL
    CMD: ClassVar[int] = HostCmd.VERSION

    def pack(self) -> bytes:
        """The frame DATA for this request."""
        name = pack_text(self.app_name, 16) + U16.pack(self.app_type)
        return name + pack_text(self.app_version, 16) + pack_text(self.protocol, 8)

    @classmethod
    def unpack(cls, data: bytes) -> VersionRequest:
        """The request read from frame DATA; ValueError when DATA is short."""
        need(data, 42, "version request")
        (app_type,) = U16.unpack_from(data, 16)
        app_version, protocol = unpack_text(data, 18, 16), unpack_text(data, 34, 8)
        return cls(unpack_text(data, 0, 16), app_type, app_version, protocol)


@dataclass(frozen=True, slots=True)
class PasswordRequest:
    """The password of a locked pen."""

    password: str
    CMD: ClassVar[int] = HostCmd.PASSWORD

    def pack(self) -> bytes:
        """The frame DATA for this request."""
        return pack_text(self.password, 16)

    @classmethod
    def unpack(cls, data: bytes) -> PasswordRequest:
        """The request read from frame DATA; ValueError when DATA is short."""
        return cls(unpack_text(data, 0, 16))


@dataclass(frozen=True, slots=True)
class PasswordChangeRequest:
    """Set, change or remove (``use`` False) the pen's password."""

    use: bool
    old: str
    new: str
    CMD: ClassVar[int] = HostCmd.PASSWORD_CHANGE

    def pack(self) -> bytes:
        """The frame DATA for this request."""
        old, new = pack_text(self.old, 16), pack_text(self.new, 16)
        return bytes((int(self.use),)) + old + new

    @classmethod
    def unpack(cls, data: bytes) -> PasswordChangeRequest:
        """The request read from frame DATA; ValueError when DATA is short."""
        need(data, 33, "password change")
        return cls(bool(data[0]), unpack_text(data, 1, 16), unpack_text(data, 17, 16))


@dataclass(frozen=True, slots=True)
class SettingsRequest:
    """Ask for the pen's settings and lock state."""

    CMD: ClassVar[int] = HostCmd.SETTINGS

    def pack(self) -> bytes:
        """The frame DATA for this request."""
        return b""

    @classmethod
    def unpack(cls, data: bytes) -> SettingsRequest:
        """The request read from frame DATA; ValueError when DATA is short."""
        return cls()


@dataclass(frozen=True, slots=True)
class SettingChange:
    """Change one setting; ``value`` is the setting's raw little-endian bytes."""

    setting: int
    value: bytes
    CMD: ClassVar[int] = HostCmd.SETTING_CHANGE

    @classmethod
    def clock(cls, ms: int) -> SettingChange:
        """Set the pen clock to ``ms`` since 1970."""
        return cls(Setting.CLOCK, U64.pack(ms))

    @classmethod
    def flag(cls, setting: Setting, on: bool) -> SettingChange:
        """Switch a one-byte on/off setting."""
        return cls(setting, bytes((int(on),)))

    def as_int(self) -> int:
        """The value read as an unsigned little-endian integer."""
        return int.from_bytes(self.value, "little")

    def pack(self) -> bytes:
        """The frame DATA for this request."""
        return bytes((self.setting,)) + self.value

    @classmethod
    def unpack(cls, data: bytes) -> SettingChange:
        """The request read from frame DATA; ValueError when DATA is short."""
        need(data, 1, "setting change")
        return cls(data[0], bytes(data[1:]))


@dataclass(frozen=True, slots=True)
class LiveEnableRequest:
    """Start live dots for these notes, or for every note when empty."""

    notes: tuple[NoteRef, ...] = ()
    CMD: ClassVar[int] = HostCmd.LIVE_ENABLE

    def pack(self) -> bytes:
        """The frame DATA for this request."""
        if not self.notes:
            return b"\xff\xff"
        return U16.pack(len(self.notes)) + b"".join(n.pack() for n in self.notes)

    @classmethod
    def unpack(cls, data: bytes) -> LiveEnableRequest:
        """The request read from frame DATA; ValueError when DATA is short."""
        need(data, 2, "live enable")
        (n,) = U16.unpack_from(data)
        if n == 0xFFFF:
            return cls()
        need(data, 2 + 8 * n, "live enable")
        return cls(tuple(NoteRef.unpack(data, 2 + 8 * i) for i in range(n)))


@dataclass(frozen=True, slots=True)
class NoteListRequest:
    """List notes holding stored strokes, of one section/owner or of all."""

    section: int = ALL_SECTIONS
    owner: int = ALL_OWNERS
    CMD: ClassVar[int] = HostCmd.NOTE_LIST

    def pack(self) -> bytes:
        """The frame DATA for this request."""
        return pack_so(self.section, self.owner)

    @classmethod
    def unpack(cls, data: bytes) -> NoteListRequest:
        """The request read from frame DATA; ValueError when DATA is short."""
        need(data, 4, "note list request")
        return cls(*unpack_so(data))


@dataclass(frozen=True, slots=True)
class PageListRequest:
    """List the pages of one note that hold stored strokes."""

    section: int
    owner: int
    note: int
    CMD: ClassVar[int] = HostCmd.PAGE_LIST

    def pack(self) -> bytes:
        """The frame DATA for this request."""
        return pack_so(self.section, self.owner) + U32.pack(self.note)

    @classmethod
    def unpack(cls, data: bytes) -> PageListRequest:
        """The request read from frame DATA; ValueError when DATA is short."""
        need(data, 8, "page list request")
        ref = NoteRef.unpack(data)
        return cls(ref.section, ref.owner, ref.note)


@dataclass(frozen=True, slots=True)
class OfflineDataRequest:
    """Send the stored strokes of a note (all pages when ``pages`` is empty)."""

    section: int
    owner: int
    note: int
    pages: tuple[int, ...] = ()
    delete: bool = False
    compress: bool = True
    CMD: ClassVar[int] = HostCmd.OFFLINE_DATA

    def pack(self) -> bytes:
        # 1 asks the pen to delete after the transfer, 2 to keep the data.
        """The frame DATA for this request."""
        head = _DATA_HEAD.pack(1 if self.delete else 2, int(self.compress))
        ref = pack_so(self.section, self.owner) + U32.pack(self.note)
        pages = b"".join(U32.pack(p) for p in self.pages)
        return head + ref + U32.pack(len(self.pages)) + pages

    @classmethod
    def unpack(cls, data: bytes) -> OfflineDataRequest:
        """The request read from frame DATA; ValueError when DATA is short."""
        need(data, 14, "offline data request")
        ref = NoteRef.unpack(data, 2)
        (n,) = U32.unpack_from(data, 10)
        need(data, 14 + 4 * n, "offline data request")
        pages = struct.unpack_from(f"<{n}I", data, 14)
        flags = (data[0] == 1, bool(data[1]))
        return cls(ref.section, ref.owner, ref.note, tuple(pages), *flags)


@dataclass(frozen=True, slots=True)
class OfflineChunkAck:
    """Acknowledge one offline chunk; ``more`` False tells the pen to stop."""

    packet_id: int
    ok: bool = True
    more: bool = True
    CMD: ClassVar[int] = HostCmd.OFFLINE_CHUNK_ACK

    @property
    def result(self) -> int:
        """The RESULT byte: 0 for success, 1 for failure."""
        return 0 if self.ok else 1

    def pack(self) -> bytes:
        """The frame DATA for this request."""
        return _ACK.pack(self.packet_id, int(self.more))

    @classmethod
    def unpack(cls, data: bytes, result: int = 0) -> OfflineChunkAck:
        """The request read from frame DATA; ValueError when DATA is short."""
        need(data, 3, "chunk acknowledgement")
        packet_id, more = _ACK.unpack_from(data)
        return cls(packet_id, result == 0, bool(more))


@dataclass(frozen=True, slots=True)
class DeleteNotesRequest:
    """Delete stored notes of one section/owner from the pen."""

    section: int
    owner: int
    notes: tuple[int, ...]
    CMD: ClassVar[int] = HostCmd.OFFLINE_DELETE

    def pack(self) -> bytes:
        """The frame DATA for this request."""
        notes = b"".join(U32.pack(n) for n in self.notes)
        return pack_so(self.section, self.owner) + bytes((len(self.notes),)) + notes

    @classmethod
    def unpack(cls, data: bytes) -> DeleteNotesRequest:
        """The request read from frame DATA; ValueError when DATA is short."""
        need(data, 5, "delete notes")
        section, owner = unpack_so(data)
        need(data, 5 + 4 * data[4], "delete notes")
        notes = struct.unpack_from(f"<{data[4]}I", data, 5)
        return cls(section, owner, tuple(notes))


HostCommand = (
    VersionRequest
    | PasswordRequest
    | PasswordChangeRequest
    | SettingsRequest
    | SettingChange
    | LiveEnableRequest
    | NoteListRequest
    | PageListRequest
    | OfflineDataRequest
    | OfflineChunkAck
    | DeleteNotesRequest
)

COMMAND_TYPES: dict[int, type[HostCommand]] = {
    cls.CMD: cls
    for cls in (
        VersionRequest, PasswordRequest, PasswordChangeRequest, SettingsRequest,
        SettingChange, LiveEnableRequest, NoteListRequest, PageListRequest,
        OfflineDataRequest, OfflineChunkAck, DeleteNotesRequest,
    )
}  # fmt: skip

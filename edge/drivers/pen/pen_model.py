"""A protocol-2 pen's firmware behaviour, emulated without a radio (pure).

Host bytes go in through :meth:`PenModel.receive`, frames to notify come out.
Strokes the student writes go through :meth:`PenModel.write`: live frames
when a host has enabled live dots, otherwise into the pen's offline storage.
Tests and the demo put this model behind a GATT server or a plain pipe.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edge.drivers.pen.codec import CommandDecoder, PenMessage, encode_message
from edge.drivers.pen.commands import (
    DeleteNotesRequest,
    HostCommand,
    LiveEnableRequest,
    NoteListRequest,
    OfflineChunkAck,
    OfflineDataRequest,
    PageListRequest,
    PasswordRequest,
    Setting,
    SettingChange,
    SettingsRequest,
    VersionRequest,
)
from edge.drivers.pen.emulate import LivePen
from edge.drivers.pen.messages import OfflineChunk
from edge.drivers.pen.offline import OfflineStroke, from_stroke, make_chunks
from edge.drivers.pen.responses import (
    MAX_NOTES,
    MAX_PAGES,
    CommandFailed,
    LiveEnabled,
    NoteList,
    NotesDeleted,
    OfflineInfo,
    PageList,
    PasswordStatus,
    PenSettings,
    SettingChanged,
    VersionInfo,
)
from edge.drivers.pen.wire import ALL_SECTIONS, NoteRef, protocol_number
from edge.models import Stroke

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PenProfile:
    """Identity and fixed behaviour of an emulated pen."""

    mac: str = "9C:7B:D2:00:00:01"
    name: str = "NWP-F121"
    firmware: str = "1.04.0012"
    protocol: str = "2.18"
    password: str | None = None
    retry_limit: int = 10
    max_force: int = 1023
    compress: bool = True
    chunk_payload: int = 2048


@dataclass(slots=True)
class PenFaults:
    """Misbehaviour to inject: refused passwords, lost events, bad chunks."""

    refuse_password: bool = False
    lose_every: int = 0
    corrupt_next_chunk: bool = False


@dataclass(slots=True)
class _Transfer:
    ref: NoteRef
    chunks: deque[OfflineChunk]
    delete_after: bool
    sent: list[OfflineStroke] = field(default_factory=list)


class PenModel:
    """The firmware of one emulated pen."""

    def __init__(
        self, profile: PenProfile | None = None, faults: PenFaults | None = None
    ):
        self.profile = profile or PenProfile()
        self.faults = faults or PenFaults()
        self.stored: dict[NoteRef, list[OfflineStroke]] = {}
        self.clock_ms: int | None = None
        self.offline_storage = True
        self.retries = 0
        self.live = False
        self.authorised = False
        self._live_pen = LivePen()
        self._sent_events = 0
        self._decoder = CommandDecoder(self.profile.mac)
        self._transfer: _Transfer | None = None
        self._handlers: dict[type, Callable[[Any], list[PenMessage]]] = {
            VersionRequest: self._version,
            SettingsRequest: self._settings,
            PasswordRequest: self._password,
            SettingChange: self._setting,
            LiveEnableRequest: self._live,
            NoteListRequest: self._notes,
            PageListRequest: self._pages,
            OfflineDataRequest: self._data,
            OfflineChunkAck: self._ack,
            DeleteNotesRequest: self._delete,
        }

    # Connection life -------------------------------------------------------

    def connect(self) -> None:
        """A host connected: nothing is authorised or streaming yet."""
        self.live = False
        self.authorised = self.profile.password is None
        self._decoder = CommandDecoder(self.profile.mac)
        self._transfer = None

    def disconnect(self) -> None:
        """The link dropped: stop streaming and abandon any transfer."""
        self.live = False
        self._transfer = None

    # Writing ---------------------------------------------------------------

    def live_frames(self, stroke: Stroke) -> list[bytes] | None:
        """Frames for a stroke written while streaming; None when not streaming."""
        if not self.live:
            return None
        frames = []
        for event in self._live_pen.events([stroke]):
            self._sent_events += 1
            lose = self.faults.lose_every
            if lose and self._sent_events % lose == 0:
                continue  # the radio lost this one; the counter shows the gap
            frames.append(encode_message(event))
        return frames

    def store(self, stroke: Stroke) -> None:
        """Keep a stroke in offline storage, as when no host is streaming."""
        if not self.offline_storage:
            log.info("%s: offline storage off, stroke lost", self.profile.mac)
            return
        page = stroke.page
        ref = NoteRef(page.section, page.owner, page.book)
        self.stored.setdefault(ref, []).append(from_stroke(stroke))

    @property
    def stored_strokes(self) -> int:
        """How many strokes wait in offline storage."""
        return sum(len(v) for v in self.stored.values())

    # Host requests ---------------------------------------------------------

    def receive(self, data: bytes) -> list[bytes]:
        """Frames the pen sends in answer to bytes the host wrote."""
        out: list[bytes] = []
        for item in self._decoder.feed(data):
            if isinstance(item, HostCommand):
                out += [encode_message(m) for m in self.handle(item)]
        return out

    def handle(self, command: HostCommand) -> list[PenMessage]:
        """Messages answering one request."""
        open_commands = (VersionRequest, SettingsRequest, PasswordRequest)
        if not self.authorised and not isinstance(command, open_commands):
            return [CommandFailed(command.CMD | 0x80, 1)]
        handler = self._handlers.get(type(command))
        return [] if handler is None else handler(command)

    def _version(self, _: VersionRequest) -> list[PenMessage]:
        p = self.profile
        compression = p.compress if protocol_number(p.protocol) >= (2, 22) else None
        ids = (1, 0, 1, 0, compression)
        return [VersionInfo(p.name, p.firmware, p.protocol, "", 0x0112, p.mac, *ids)]

    def _settings(self, _: SettingsRequest) -> list[PenMessage]:
        p = self.profile
        used = min(100, self.stored_strokes // 10)
        return [PenSettings(
            p.password is not None, p.retry_limit, self.retries, self.clock_ms or 0,
            20, p.max_force, used, True, False, False, False, 80,
            self.offline_storage, 0,
        )]  # fmt: skip

    def _password(self, command: PasswordRequest) -> list[PenMessage]:
        p = self.profile
        if command.password == p.password and not self.faults.refuse_password:
            self.authorised, self.retries = True, 0
            return [PasswordStatus(PasswordStatus.ACCEPTED, 0, p.retry_limit)]
        self.retries += 1
        if self.retries >= p.retry_limit:
            # The firmware wipes the pen when the retry limit is reached.
            self.stored.clear()
            return [PasswordStatus(PasswordStatus.RESET, self.retries, p.retry_limit)]
        return [PasswordStatus(PasswordStatus.REQUIRED, self.retries, p.retry_limit)]

    def _setting(self, command: SettingChange) -> list[PenMessage]:
        if command.setting == Setting.CLOCK:
            self.clock_ms = command.as_int()
        elif command.setting == Setting.OFFLINE_STORAGE:
            self.offline_storage = bool(command.as_int())
        return [SettingChanged(command.setting, True)]

    def _live(self, _: LiveEnableRequest) -> list[PenMessage]:
        self.live = True
        return [LiveEnabled()]

    def _notes(self, command: NoteListRequest) -> list[PenMessage]:
        refs = sorted(r for r, strokes in self.stored.items() if strokes)
        if command.section != ALL_SECTIONS:
            so = (command.section, command.owner)
            refs = [r for r in refs if _so(r) == so]
        return [NoteList(tuple(refs[:MAX_NOTES]))]

    def _pages(self, command: PageListRequest) -> list[PenMessage]:
        ref = NoteRef(command.section, command.owner, command.note)
        pages = sorted({s.page for s in self.stored.get(ref, [])})[:MAX_PAGES]
        return [PageList(ref.section, ref.owner, ref.note, tuple(pages))]

    def _data(self, command: OfflineDataRequest) -> list[PenMessage]:
        ref = NoteRef(command.section, command.owner, command.note)
        wanted = set(command.pages)
        strokes = [
            s for s in self.stored.get(ref, []) if not wanted or s.page in wanted
        ]
        compress = command.compress and self.profile.compress
        chunks = make_chunks(*_so(ref), ref.note, strokes, compress=compress,
                             max_payload=self.profile.chunk_payload)  # fmt: skip
        size = sum(len(c.payload) for c in chunks)
        if not strokes:
            return [OfflineInfo(0, 0, compress)]
        self._transfer = _Transfer(ref, deque(chunks), command.delete, strokes)
        return [OfflineInfo(len(strokes), size, compress), self._next_chunk()]

    def _ack(self, command: OfflineChunkAck) -> list[PenMessage]:
        transfer = self._transfer
        if transfer is None:
            return []
        if not command.ok or not command.more or not transfer.chunks:
            self._transfer = None
            if command.ok and not transfer.chunks and transfer.delete_after:
                self._forget(transfer.ref, transfer.sent)
            return []
        return [self._next_chunk()]

    def _delete(self, command: DeleteNotesRequest) -> list[PenMessage]:
        for note in command.notes:
            self.stored.pop(NoteRef(command.section, command.owner, note), None)
        return [NotesDeleted()]

    def _next_chunk(self) -> OfflineChunk:
        assert self._transfer is not None
        chunk = self._transfer.chunks.popleft()
        if self.faults.corrupt_next_chunk:
            self.faults.corrupt_next_chunk = False
            damaged = bytes(b ^ 0x55 for b in chunk.payload)
            return OfflineChunk(*_chunk_head(chunk), damaged)
        return chunk

    def _forget(self, ref: NoteRef, sent: list[OfflineStroke]) -> None:
        kept = [s for s in self.stored.get(ref, []) if s not in sent]
        self.stored[ref] = kept


def _so(ref: NoteRef) -> tuple[int, int]:
    return ref.section, ref.owner


def _chunk_head(c: OfflineChunk) -> tuple[int, bool, int, int, int, int, int, int, int]:
    head = (c.packet_id, c.compressed, c.size_before, c.size_after, c.position)
    return (*head, c.section, c.owner, c.note, c.strokes)

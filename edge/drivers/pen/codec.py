"""Pen codec: notification bytes in, typed events out, and the reverse.

:class:`PenDecoder` reads what a pen sends; :class:`CommandDecoder` reads what
a host sends (the emulated pen uses it). Both resynchronise on the next STX
after damage, report every discarded run as a :class:`DecodeError` event,
count it, and never raise out of :meth:`feed`.
"""

from __future__ import annotations

import logging
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from edge.drivers.pen.commands import COMMAND_TYPES, HostCommand, OfflineChunkAck
from edge.drivers.pen.frames import (
    MAX_FRAME,
    Deframer,
    Drop,
    DropReason,
    Frame,
    PenCmd,
    encode_frame,
    parse_body,
    pen_frame_has_result,
)
from edge.drivers.pen.messages import (
    DotError,
    DotEvent,
    HoverDot,
    LowBattery,
    OfflineChunk,
    Paper,
    Pds,
    PenDown,
    PenUp,
    PowerOff,
    unpack_updown_v1,
)
from edge.drivers.pen.responses import (
    CommandFailed,
    LiveEnabled,
    NoteList,
    NotesDeleted,
    OfflineInfo,
    PageList,
    PasswordChanged,
    PasswordStatus,
    PenSettings,
    SettingChanged,
    UnknownFrame,
    VersionInfo,
)

log = logging.getLogger(__name__)

PenMessage = (
    LowBattery | PowerOff | PenDown | PenUp | Paper | DotEvent | HoverDot | DotError
    | Pds | OfflineChunk | VersionInfo | PenSettings | PasswordStatus
    | PasswordChanged | SettingChanged | LiveEnabled | NotesDeleted | NoteList
    | PageList | OfflineInfo | CommandFailed | UnknownFrame
)  # fmt: skip

_PEN_PARSERS: dict[int, Callable[[bytes], PenMessage]] = {
    PenCmd.LOW_BATTERY: LowBattery.unpack,
    PenCmd.POWER_OFF: PowerOff.unpack,
    PenCmd.PEN_UPDOWN_V1: unpack_updown_v1,
    PenCmd.PAPER_V1: Paper.unpack_v1,
    PenCmd.DOT_V1: DotEvent.unpack_v1,
    PenCmd.DOT_COMPACT: DotEvent.unpack_compact,
    PenCmd.DOT_ERROR_V1: DotError.unpack_v1,
    PenCmd.PEN_DOWN: PenDown.unpack,
    PenCmd.PEN_UP: PenUp.unpack,
    PenCmd.PAPER: Paper.unpack,
    PenCmd.DOT: DotEvent.unpack,
    PenCmd.DOT_ERROR: DotError.unpack,
    PenCmd.HOVER_DOT: HoverDot.unpack,
    PenCmd.PDS: Pds.unpack,
    PenCmd.OFFLINE_CHUNK: OfflineChunk.unpack,
    PenCmd.VERSION: VersionInfo.unpack,
    PenCmd.PASSWORD: PasswordStatus.unpack,
    PenCmd.PASSWORD_CHANGE: PasswordChanged.unpack,
    PenCmd.SETTINGS: PenSettings.unpack,
    PenCmd.SETTING_CHANGE: SettingChanged.unpack,
    PenCmd.LIVE_ENABLE: LiveEnabled.unpack,
    PenCmd.NOTE_LIST: NoteList.unpack,
    PenCmd.PAGE_LIST: PageList.unpack,
    PenCmd.OFFLINE_DATA: OfflineInfo.unpack,
    PenCmd.OFFLINE_DELETE: NotesDeleted.unpack,
}


@dataclass(frozen=True, slots=True)
class DecodeError:
    """Bytes the decoder discarded and why; decoding goes on after them."""

    TYPE: ClassVar[str] = "error"
    reason: DropReason
    data: bytes
    detail: str = ""


@dataclass(frozen=True, slots=True)
class EventGap:
    """The event counter jumped: ``lost`` events never arrived (0 if invalid)."""

    TYPE: ClassVar[str] = "event_gap"
    expected: int
    got: int
    lost: int


PenEvent = PenMessage | DecodeError | EventGap


@dataclass(slots=True)
class DecoderStats:
    """Running totals of one decoder, for logs and health counters."""

    frames: int = 0
    dropped_bytes: int = 0
    drops: Counter[str] = field(default_factory=Counter)
    unknown: int = 0
    gaps: int = 0
    lost_events: int = 0


class _StreamDecoder:
    """Shared deframing, drop accounting and the never-raise guard."""

    FROM_PEN: ClassVar[bool] = True

    def __init__(self, label: str = "-", max_frame: int = MAX_FRAME) -> None:
        self.label = label
        self.stats = DecoderStats()
        self._deframer = Deframer(max_frame)

    def _frames(self, data: bytes) -> list[Frame | DecodeError]:
        out: list[Frame | DecodeError] = []
        for item in self._deframer.feed(data):
            parsed = item if isinstance(item, Drop) else self._parse(item)
            out.append(self._dropped(parsed) if isinstance(parsed, Drop) else parsed)
        return out

    def flush(self) -> list[DecodeError]:
        """A truncation error for an unfinished frame (end of stream or link)."""
        drop = self._deframer.flush()
        return [] if drop is None else [self._dropped(drop)]

    def _parse(self, body: bytes) -> Frame | Drop:
        frame = parse_body(body, from_pen=self.FROM_PEN)
        if isinstance(frame, Frame):
            self.stats.frames += 1
            log.debug("%s: frame 0x%02X %d bytes", self.label, frame.cmd, len(body))
        return frame

    def _dropped(self, drop: Drop, detail: str = "") -> DecodeError:
        self.stats.dropped_bytes += len(drop.data)
        self.stats.drops[drop.reason] += 1
        log.warning(
            "%s: dropped %d bytes (%s) %s", self.label, len(drop.data), drop.reason,
            detail or drop.data[:24].hex(" "),
        )  # fmt: skip
        return DecodeError(drop.reason, drop.data, detail)

    def _bad_payload(self, frame: Frame, exc: Exception) -> DecodeError:
        raw = encode_frame(frame.cmd, frame.data, frame.result)
        return self._dropped(Drop(DropReason.BAD_PAYLOAD, raw), str(exc))


class PenDecoder(_StreamDecoder):
    """Decodes the notification stream of one pen into events."""

    FROM_PEN = True

    def __init__(self, label: str = "-", max_frame: int = MAX_FRAME) -> None:
        super().__init__(label, max_frame)
        self._last_count: int | None = None

    def feed(self, data: bytes) -> list[PenEvent]:
        """Events completed by this notification; never raises."""
        try:
            frames = self._frames(bytes(data))
        except Exception as exc:  # the read loop must survive any defect
            log.exception("%s: decoder fault", self.label)
            self._deframer = Deframer()
            return [self._dropped(Drop(DropReason.GARBAGE, bytes(data)), repr(exc))]
        out: list[PenEvent] = []
        for frame in frames:
            if isinstance(frame, DecodeError):
                out.append(frame)
            else:
                self._message(frame, out)
        return out

    def reset_counter(self) -> None:
        """Forget the event counter, as after a (re)connection's version answer."""
        self._last_count = None

    def _message(self, frame: Frame, out: list[PenEvent]) -> None:
        if frame.result:
            out.append(CommandFailed(frame.cmd, frame.result, frame.data))
            return
        parser = _PEN_PARSERS.get(frame.cmd)
        if parser is None:
            self.stats.unknown += 1
            log.info("%s: unknown opcode 0x%02X", self.label, frame.cmd)
            out.append(UnknownFrame(frame.cmd, frame.result, frame.data))
            return
        try:
            message = parser(frame.data)
        except (ValueError, struct.error) as exc:
            out.append(self._bad_payload(frame, exc))
            return
        count = getattr(message, "count", None)
        if count is not None:
            self._check_count(count, out)
        out.append(message)

    def _check_count(self, count: int, out: list[PenEvent]) -> None:
        last, self._last_count = self._last_count, count
        if last is None:
            return
        step = (count - last) & 0xFF
        if step == 1:
            return
        # A forward jump of up to half the counter range is a loss; anything
        # else (a repeat or a step back) is an invalid count.
        lost = step - 1 if 1 < step <= 128 else 0
        self.stats.gaps += 1
        self.stats.lost_events += lost
        log.warning("%s: event counter %d after %d", self.label, count, last)
        out.append(EventGap((last + 1) & 0xFF, count, lost))


class CommandDecoder(_StreamDecoder):
    """Decodes the write stream a host sends to a pen into requests."""

    FROM_PEN = False

    def feed(self, data: bytes) -> list[HostCommand | UnknownFrame | DecodeError]:
        """Requests completed by this write; never raises."""
        out: list[HostCommand | UnknownFrame | DecodeError] = []
        try:
            frames = self._frames(bytes(data))
        except Exception as exc:  # the read loop must survive any defect
            log.exception("%s: decoder fault", self.label)
            self._deframer = Deframer()
            return [self._dropped(Drop(DropReason.GARBAGE, bytes(data)), repr(exc))]
        for frame in frames:
            out.append(
                frame if isinstance(frame, DecodeError) else self._command(frame)
            )
        return out

    def _command(self, frame: Frame) -> HostCommand | UnknownFrame | DecodeError:
        cls = COMMAND_TYPES.get(frame.cmd)
        if cls is None:
            self.stats.unknown += 1
            return UnknownFrame(frame.cmd, frame.result, frame.data)
        try:
            if cls is OfflineChunkAck:
                return OfflineChunkAck.unpack(frame.data, frame.result or 0)
            return cls.unpack(frame.data)
        except (ValueError, struct.error) as exc:
            return self._bad_payload(frame, exc)


def encode_message(message: PenMessage) -> bytes:
    """The frame a pen sends for ``message``."""
    if isinstance(message, CommandFailed | UnknownFrame):
        result = message.result
    else:
        result = 0 if pen_frame_has_result(message.cmd) else None
    return encode_frame(message.cmd, message.pack(), result)


def encode_command(command: HostCommand) -> bytes:
    """The frame a host sends for ``command``."""
    result = command.result if isinstance(command, OfflineChunkAck) else None
    return encode_frame(command.CMD, command.pack(), result)

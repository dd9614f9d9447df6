"""Messages of the clicker receiver protocol and their byte layouts.

Each message is a frozen dataclass whose ``TYPE`` is its type byte. Types
below 0x80 travel from the receiver to the host, types from 0x80 up from the
host to the receiver. All integers are little-endian. A body may be longer
than its layout: newer firmware of the same protocol version appends fields,
and older decoders ignore them.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import ClassVar, Self

from edge.drivers.clicker.errors import DropReason, FrameError

PROTOCOL_VERSION = 1
MAX_ANSWER = 16  # the longest numeric entry a keypad can send
MAX_DETAIL = 64  # error text, sized for a receiver log line
HOST_BIT = 0x80


class MessageType(enum.IntEnum):
    """Type byte of every message, both directions."""

    HELLO = 0x01
    HEARTBEAT = 0x02
    VOTE = 0x03
    BATTERY = 0x04
    ACK = 0x05
    ERROR = 0x06
    HELLO_REQUEST = 0x81
    START_QUESTION = 0x82
    STOP_QUESTION = 0x83
    HOST_HEARTBEAT = 0x84
    VOTE_ACK = 0x85


class QuestionKind(enum.IntEnum):
    """What a keypad lets the student enter for the open question."""

    SINGLE = 1
    MULTIPLE = 2
    TRUE_FALSE = 3
    NUMERIC = 4


class ErrorCode(enum.IntEnum):
    """Codes of ERROR messages; unknown codes from newer firmware are kept as ints."""

    UNKNOWN_TYPE = 1
    BAD_LENGTH = 2
    BAD_ARGUMENT = 3
    QUEUE_FULL = 4
    VERSION = 5


MIN_OPTIONS, MAX_OPTIONS = 2, 10  # keypads have letter keys A to J


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise FrameError(DropReason.BAD_VALUE, what)


def _text(raw: bytes, what: str, *, space: bool) -> str:
    low = 0x20 if space else 0x21
    _check(all(low <= b <= 0x7E for b in raw), f"{what} is not printable ASCII")
    return raw.decode("ascii")


def _ascii(text: str, what: str) -> bytes:
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        raise FrameError(DropReason.BAD_VALUE, f"{what} is not ASCII") from None


class _Fixed:
    """Messages whose body is one struct layout."""

    __slots__ = ()
    TYPE: ClassVar[MessageType]
    LAYOUT: ClassVar[struct.Struct]

    def fields(self) -> tuple[int, ...]:
        """The body's values in layout order."""
        raise NotImplementedError

    def encode_body(self) -> bytes:
        """The message body as it goes on the wire."""
        try:
            return self.LAYOUT.pack(*self.fields())
        except struct.error as exc:
            raise FrameError(DropReason.BAD_VALUE, f"{self!r}: {exc}") from exc

    @classmethod
    def from_fields(cls, values: tuple[int, ...]) -> Self:
        """The message from its layout's values; FrameError if one is out of range."""
        raise NotImplementedError

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        """The message from its body; raises FrameError."""
        size = cls.LAYOUT.size
        if len(body) < size:
            raise FrameError(
                DropReason.BAD_LENGTH, f"{cls.TYPE.name} body {len(body)} < {size}"
            )
        return cls.from_fields(cls.LAYOUT.unpack_from(body))


@dataclass(frozen=True, slots=True)
class Hello(_Fixed):
    """The receiver introduces itself: protocol, firmware, radio channel."""

    TYPE = MessageType.HELLO
    LAYOUT = struct.Struct("<BBBBBIH")
    protocol: int
    firmware: tuple[int, int, int]
    channel: int
    receiver_id: int
    capacity: int

    @property
    def firmware_text(self) -> str:
        """The firmware version as ``major.minor.patch``."""
        return ".".join(str(p) for p in self.firmware)

    def fields(self) -> tuple[int, ...]:
        return (
            self.protocol,
            *self.firmware,
            self.channel,
            self.receiver_id,
            self.capacity,
        )

    @classmethod
    def from_fields(cls, v: tuple[int, ...]) -> Self:
        return cls(v[0], (v[1], v[2], v[3]), v[4], v[5], v[6])


@dataclass(frozen=True, slots=True)
class Heartbeat(_Fixed):
    """The receiver is alive; which question is open, how many votes wait."""

    TYPE = MessageType.HEARTBEAT
    LAYOUT = struct.Struct("<IHH")
    uptime_s: int
    question: int
    queued: int

    def fields(self) -> tuple[int, ...]:
        return (self.uptime_s, self.question, self.queued)

    @classmethod
    def from_fields(cls, v: tuple[int, ...]) -> Self:
        return cls(*v)


@dataclass(frozen=True, slots=True)
class VoteReport:
    """A clicker press as the receiver forwards it."""

    TYPE: ClassVar[MessageType] = MessageType.VOTE
    LAYOUT: ClassVar[struct.Struct] = struct.Struct("<HIBbHB")
    question: int
    clicker: int
    clicker_seq: int
    rssi: int
    age_ms: int
    answer: str

    def encode_body(self) -> bytes:
        """The message body as it goes on the wire."""
        raw = _ascii(self.answer, "answer")
        _check(1 <= len(raw) <= MAX_ANSWER, f"answer of {len(raw)} characters")
        _text(raw, "answer", space=False)
        head = (
            self.question,
            self.clicker,
            self.clicker_seq,
            self.rssi,
            self.age_ms,
            len(raw),
        )
        try:
            return self.LAYOUT.pack(*head) + raw
        except struct.error as exc:
            raise FrameError(DropReason.BAD_VALUE, f"{self!r}: {exc}") from exc

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        """The message from its body; raises FrameError."""
        size = cls.LAYOUT.size
        if len(body) < size:
            raise FrameError(DropReason.BAD_LENGTH, f"VOTE body of {len(body)} bytes")
        question, clicker, seq, rssi, age, n = cls.LAYOUT.unpack_from(body)
        _check(1 <= n <= MAX_ANSWER, f"answer length {n}")
        if len(body) < size + n:
            raise FrameError(DropReason.BAD_LENGTH, "VOTE answer runs past the body")
        answer = _text(body[size : size + n], "answer", space=False)
        return cls(question, clicker, seq, rssi, age, answer)


@dataclass(frozen=True, slots=True)
class BatteryReport(_Fixed):
    """A clicker's battery; ``percent`` 255 means the clicker cannot tell."""

    TYPE = MessageType.BATTERY
    LAYOUT = struct.Struct("<IBHb")
    clicker: int
    percent: int
    millivolts: int
    rssi: int

    def fields(self) -> tuple[int, ...]:
        return (self.clicker, self.percent, self.millivolts, self.rssi)

    @classmethod
    def from_fields(cls, v: tuple[int, ...]) -> Self:
        _check(v[1] <= 100 or v[1] == 255, f"battery percent {v[1]}")
        return cls(*v)


@dataclass(frozen=True, slots=True)
class Ack(_Fixed):
    """The receiver carried out the host frame ``ref_seq`` of type ``ref_type``."""

    TYPE = MessageType.ACK
    LAYOUT = struct.Struct("<BB")
    ref_seq: int
    ref_type: int

    def fields(self) -> tuple[int, ...]:
        return (self.ref_seq, self.ref_type)

    @classmethod
    def from_fields(cls, v: tuple[int, ...]) -> Self:
        return cls(*v)


@dataclass(frozen=True, slots=True)
class VoteAck(_Fixed):
    """The host committed the vote of ``clicker`` with sequence ``clicker_seq``."""

    TYPE = MessageType.VOTE_ACK
    LAYOUT = struct.Struct("<IB")
    clicker: int
    clicker_seq: int

    def fields(self) -> tuple[int, ...]:
        return (self.clicker, self.clicker_seq)

    @classmethod
    def from_fields(cls, v: tuple[int, ...]) -> Self:
        return cls(*v)


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """The receiver refused or could not read a host frame."""

    TYPE: ClassVar[MessageType] = MessageType.ERROR
    LAYOUT: ClassVar[struct.Struct] = struct.Struct("<BBBB")
    code: int
    ref_seq: int
    ref_type: int
    detail: str = ""

    @property
    def code_name(self) -> str:
        """The error code's name, or ``code_N`` for codes of newer firmware."""
        try:
            return ErrorCode(self.code).name.lower()
        except ValueError:
            return f"code_{self.code}"

    def encode_body(self) -> bytes:
        """The message body as it goes on the wire."""
        raw = _ascii(self.detail, "error detail")[:MAX_DETAIL]
        _text(raw, "error detail", space=True)
        try:
            return (
                self.LAYOUT.pack(self.code, self.ref_seq, self.ref_type, len(raw)) + raw
            )
        except struct.error as exc:
            raise FrameError(DropReason.BAD_VALUE, f"{self!r}: {exc}") from exc

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        """The message from its body; raises FrameError."""
        size = cls.LAYOUT.size
        if len(body) < size:
            raise FrameError(DropReason.BAD_LENGTH, f"ERROR body of {len(body)} bytes")
        code, ref_seq, ref_type, n = cls.LAYOUT.unpack_from(body)
        _check(n <= MAX_DETAIL, f"error detail length {n}")
        if len(body) < size + n:
            raise FrameError(DropReason.BAD_LENGTH, "ERROR detail runs past the body")
        detail = _text(body[size : size + n], "error detail", space=True)
        return cls(code, ref_seq, ref_type, detail)


@dataclass(frozen=True, slots=True)
class HelloRequest(_Fixed):
    """The host asks the receiver to introduce itself."""

    TYPE = MessageType.HELLO_REQUEST
    LAYOUT = struct.Struct("<B")
    protocol: int = PROTOCOL_VERSION

    def fields(self) -> tuple[int, ...]:
        return (self.protocol,)

    @classmethod
    def from_fields(cls, v: tuple[int, ...]) -> Self:
        return cls(*v)


@dataclass(frozen=True, slots=True)
class StartQuestion(_Fixed):
    """Open a question on every keypad: its number, kind and option count."""

    TYPE = MessageType.START_QUESTION
    LAYOUT = struct.Struct("<HBB")
    question: int
    kind: QuestionKind
    options: int

    def fields(self) -> tuple[int, ...]:
        return (self.question, int(self.kind), self.options)

    @classmethod
    def from_fields(cls, v: tuple[int, ...]) -> Self:
        question, kind, options = v
        _check(question != 0, "question number 0")
        _check(kind in QuestionKind._value2member_map_, f"question kind {kind}")
        choice = kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
        ok = MIN_OPTIONS <= options <= MAX_OPTIONS if choice else options == 0
        _check(
            ok, f"{options} options for a {QuestionKind(kind).name.lower()} question"
        )
        return cls(question, QuestionKind(kind), options)


@dataclass(frozen=True, slots=True)
class StopQuestion(_Fixed):
    """Close the open question."""

    TYPE = MessageType.STOP_QUESTION
    LAYOUT = struct.Struct("<H")
    question: int

    def fields(self) -> tuple[int, ...]:
        return (self.question,)

    @classmethod
    def from_fields(cls, v: tuple[int, ...]) -> Self:
        _check(v[0] != 0, "question number 0")
        return cls(*v)


@dataclass(frozen=True, slots=True)
class HostHeartbeat(_Fixed):
    """The host is alive."""

    TYPE = MessageType.HOST_HEARTBEAT
    LAYOUT = struct.Struct("<I")
    uptime_s: int

    def fields(self) -> tuple[int, ...]:
        return (self.uptime_s,)

    @classmethod
    def from_fields(cls, v: tuple[int, ...]) -> Self:
        return cls(*v)


Message = (
    Hello
    | Heartbeat
    | VoteReport
    | BatteryReport
    | Ack
    | ErrorReport
    | HelloRequest
    | StartQuestion
    | StopQuestion
    | HostHeartbeat
    | VoteAck
)

MESSAGE_CLASSES: dict[int, type[Message]] = {
    cls.TYPE: cls
    for cls in (
        Hello,
        Heartbeat,
        VoteReport,
        BatteryReport,
        Ack,
        ErrorReport,
        HelloRequest,
        StartQuestion,
        StopQuestion,
        HostHeartbeat,
        VoteAck,
    )
}

"""One connection to one pen: handshake, live strokes and offline pull.

The session knows nothing of the radio. It writes through an injected
:class:`PenTransport` and is fed notification values through
:meth:`PenSession.on_notification`; strokes leave through the gateway's
:data:`StrokeSink`, and data on the pen is deleted only after the sink has
committed what was pulled.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from edge.drivers.pen.capture import CaptureRecorder
from edge.drivers.pen.codec import PenDecoder, PenEvent, encode_command
from edge.drivers.pen.commands import (
    HostCommand,
    LiveEnableRequest,
    PasswordRequest,
    Setting,
    SettingChange,
    SettingsRequest,
    VersionRequest,
)
from edge.drivers.pen.errors import PenAuthError, PenCommandError, PenConnectError
from edge.drivers.pen.messages import LowBattery, OfflineChunk, PowerOff
from edge.drivers.pen.offline_pull import OfflinePull, OfflineReport
from edge.drivers.pen.responses import (
    CommandFailed,
    LiveEnabled,
    PasswordStatus,
    PenSettings,
    SettingChanged,
    VersionInfo,
)
from edge.drivers.pen.strokes import StrokeAssembler
from edge.models import Stroke

log = logging.getLogger(__name__)

StrokeSink = Callable[[Sequence[Stroke]], Awaitable[None]]
"""Commits strokes to the store; when the awaitable returns they are durable."""

R = TypeVar("R")


class PenTransport(Protocol):
    """Where a session writes host frames (already framed and escaped)."""

    async def write(self, data: bytes) -> None:
        """Send ``data`` to the pen's write characteristic."""


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """Per-pen session settings."""

    password: str | None = None
    request_timeout_s: float = 5.0
    chunk_timeout_s: float = 20.0
    commit_retry_s: float = 1.0
    set_clock: bool = True
    ensure_offline_storage: bool = True


@dataclass(frozen=True, slots=True)
class PenInfo:
    """What the handshake learned about the pen."""

    version: VersionInfo
    settings: PenSettings


@dataclass(slots=True)
class SessionStats:
    """Counters of one session."""

    live_strokes: int = 0
    offline_strokes: int = 0
    commits: int = 0
    commit_failures: int = 0
    offline: list[OfflineReport] = field(default_factory=list)


class PenSession:
    """The protocol conversation with one connected pen."""

    def __init__(
        self,
        pen: str,
        transport: PenTransport,
        sink: StrokeSink,
        *,
        clock: Callable[[], int],
        config: SessionConfig | None = None,
        recorder: CaptureRecorder | None = None,
    ) -> None:
        self.pen = pen
        self.config = config or SessionConfig()
        self.stats = SessionStats()
        self.decoder = PenDecoder(pen)
        self.assembler = StrokeAssembler(pen, now_ms=clock)
        self.info: PenInfo | None = None
        self._transport = transport
        self._sink = sink
        self._clock = clock
        self._recorder = recorder
        self._waiters: dict[int, deque[asyncio.Future[PenEvent]]] = {}
        self._chunks: asyncio.Queue[OfflineChunk] | None = None
        self._pending: list[Stroke] = []
        self._wake = asyncio.Event()
        self._committer: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._closed = False

    # Incoming traffic ------------------------------------------------------

    def on_notification(self, data: bytes | bytearray) -> None:
        """Feed one notification value from the pen; never raises."""
        if self._recorder is not None:
            self._recorder.notification(bytes(data))
        for event in self.decoder.feed(bytes(data)):
            self._dispatch(event)

    def _dispatch(self, event: PenEvent) -> None:
        if isinstance(event, OfflineChunk):
            if self._chunks is None:
                log.warning("%s: offline chunk outside a transfer", self.pen)
            else:
                self._chunks.put_nowait(event)
            return
        if isinstance(event, VersionInfo):
            self.decoder.reset_counter()
        elif isinstance(event, LowBattery | PowerOff):
            self._pen_state(event)
            return
        waiter = self._waiter_for(event)
        if waiter is not None:
            waiter.set_result(event)
            return
        self._queue(self.assembler.feed(event))

    def _pen_state(self, event: LowBattery | PowerOff) -> None:
        if isinstance(event, LowBattery):
            log.warning("%s: battery low (%d %%)", self.pen, event.battery)
        else:
            log.info("%s: pen powering off (reason %d)", self.pen, event.reason)

    def _waiter_for(self, event: PenEvent) -> asyncio.Future[PenEvent] | None:
        cmd = getattr(event, "cmd", None)
        if cmd is None or cmd < 0x80:
            return None
        queue = self._waiters.get(cmd)
        while queue:
            waiter = queue.popleft()
            if not waiter.done():
                return waiter
        if not isinstance(event, CommandFailed):
            log.debug("%s: unsolicited response 0x%02X", self.pen, cmd)
        return None

    # Requests --------------------------------------------------------------

    async def send(self, command: HostCommand) -> None:
        """Write one request frame to the pen."""
        frame = encode_command(command)
        if self._recorder is not None:
            self._recorder.host_write(frame)
        await self._transport.write(frame)

    async def request(self, command: HostCommand, answer: type[R]) -> R:
        """Send ``command`` and wait for its response of type ``answer``."""
        if self._closed:
            raise PenConnectError("session is closed", self.pen)
        async with self._lock:
            waiter = asyncio.get_running_loop().create_future()
            queue = self._waiters.setdefault(command.CMD | 0x80, deque())
            queue.append(waiter)
            timeout = self.config.request_timeout_s
            try:
                # The write is inside the time limit too: a radio can stall.
                event = await asyncio.wait_for(self._exchange(command, waiter), timeout)
            except TimeoutError as exc:
                what = f"no answer to 0x{command.CMD:02X} within {timeout} s"
                raise PenCommandError(what, self.pen) from exc
            finally:
                if waiter in queue:
                    queue.remove(waiter)
        return self._expect(event, command, answer)

    async def _exchange(
        self, command: HostCommand, waiter: asyncio.Future[PenEvent]
    ) -> PenEvent:
        await self.send(command)
        return await waiter

    def _expect(self, event: PenEvent, command: HostCommand, answer: type[R]) -> R:
        if isinstance(event, CommandFailed):
            what = f"request 0x{command.CMD:02X} failed with result {event.result}"
            raise PenCommandError(what, self.pen, event.result)
        if not isinstance(event, answer):
            what = f"request 0x{command.CMD:02X} got {event.TYPE}"
            raise PenCommandError(what, self.pen)
        return event

    # Handshake -------------------------------------------------------------

    async def handshake(self) -> PenInfo:
        """Version, settings, password if locked, clock and offline storage."""
        version = await self.request(VersionRequest(), VersionInfo)
        settings = await self.request(SettingsRequest(), PenSettings)
        log.info("%s: %s firmware %s protocol %s", self.pen, version.device_name,
                 version.firmware, version.protocol)  # fmt: skip
        if settings.locked:
            await self._authorise(settings)
        if self.config.set_clock:
            await self._change(SettingChange.clock(self._clock()))
        if self.config.ensure_offline_storage and not settings.offline_storage:
            await self._change(SettingChange.flag(Setting.OFFLINE_STORAGE, True))
        self.info = PenInfo(version, settings)
        return self.info

    async def _authorise(self, settings: PenSettings) -> None:
        password = self.config.password
        if not password:
            raise PenAuthError("pen is locked and no password is configured", self.pen)
        status = await self.request(PasswordRequest(password), PasswordStatus)
        if status.status != PasswordStatus.ACCEPTED:
            tries = f"{status.retries} of {status.retry_limit} tries used"
            raise PenAuthError(f"password refused ({tries})", self.pen)

    async def _change(self, change: SettingChange) -> None:
        answer = await self.request(change, SettingChanged)
        if not answer.ok:
            log.warning("%s: pen refused setting %d", self.pen, change.setting)

    async def start_live(self) -> None:
        """Ask the pen to stream live dots for every note."""
        await self.request(LiveEnableRequest(), LiveEnabled)

    # Offline ---------------------------------------------------------------

    async def sync_offline(
        self, already: Callable[[Stroke], bool] | None = None
    ) -> OfflineReport:
        """Pull stored strokes, commit them, then delete them on the pen."""
        self._chunks = asyncio.Queue()
        try:
            pull = OfflinePull(self, self._chunks, self._commit_offline, already)
            report = await pull.run()
        finally:
            self._chunks = None
        self.stats.offline.append(report)
        return report

    async def _commit_offline(self, strokes: Sequence[Stroke]) -> None:
        await self._sink(strokes)
        self.stats.offline_strokes += len(strokes)
        self.stats.commits += 1

    # Live strokes to the sink ----------------------------------------------

    def _queue(self, strokes: list[Stroke]) -> None:
        if not strokes:
            return
        self._pending.extend(strokes)
        self._wake.set()
        if self._committer is None and not self._closed:
            loop = asyncio.get_running_loop()
            self._committer = loop.create_task(self._commit_loop())

    async def _commit_loop(self) -> None:
        while not self._closed:
            await self._wake.wait()
            self._wake.clear()
            await self._commit_pending()

    async def _commit_pending(self, attempts: int | None = None) -> None:
        # A batch leaves the pending list only once the sink has committed it,
        # so a cancelled or failed commit loses nothing.
        while self._pending and attempts != 0:
            batch = list(self._pending)
            try:
                await self._sink(batch)
            except Exception:  # the sink's own errors are logged, strokes kept
                self.stats.commit_failures += 1
                log.exception("%s: could not commit %d strokes", self.pen, len(batch))
                if attempts is None and self._closed:
                    return  # close() takes over with a bounded number of tries
                attempts = None if attempts is None else attempts - 1
                await asyncio.sleep(self.config.commit_retry_s)
                continue
            del self._pending[: len(batch)]
            self.stats.live_strokes += len(batch)
            self.stats.commits += 1

    @property
    def uncommitted(self) -> list[Stroke]:
        """Live strokes the sink has not committed (after a failed close)."""
        return list(self._pending)

    async def idle(self, timeout_s: float) -> bool:
        """Wait until no stroke is open (pen lifted); False after ``timeout_s``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self.assembler.open:
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def close(self, commit_attempts: int = 3) -> None:
        """End the session: close an open stroke, commit what is pending."""
        if self._closed:
            return
        self._closed = True
        for error in self.decoder.flush():
            self._dispatch(error)
        self._pending.extend(self.assembler.close())
        for queue in self._waiters.values():
            for waiter in queue:
                if not waiter.done():
                    waiter.set_exception(PenConnectError("link closed", self.pen))
        if self._committer is not None:
            self._wake.set()
            await asyncio.gather(self._committer, return_exceptions=True)
        await self._commit_pending(commit_attempts)
        if self._pending:
            log.error("%s: %d strokes not committed", self.pen, len(self._pending))

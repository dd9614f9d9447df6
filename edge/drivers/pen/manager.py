"""The pen manager: a class of pens over one or more Bluetooth adapters.

One worker per adapter scans, connects one pen at a time, keeps live links
for as many pens as the adapter holds (see :mod:`edge.drivers.pen.policy`)
and visits the others in turn to pull what they stored offline. Dropped
links come back after a jittered backoff; pens that keep failing yield their
live link to the next pen. Only bound pens are used; others are reported.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bleak import BleakScanner
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.exc import BleakError

from edge.drivers.pen.backoff import backoff_delay
from edge.drivers.pen.capture import CaptureRecorder
from edge.drivers.pen.config import PenConfig
from edge.drivers.pen.discovery import is_pen, normalise_address
from edge.drivers.pen.errors import PenError
from edge.drivers.pen.pen_link import PenState, new_session, run_visit
from edge.drivers.pen.policy import PenView, place
from edge.drivers.pen.session import SessionConfig, StrokeSink
from edge.drivers.pen.transport_bleak import BleakPenLink

log = logging.getLogger(__name__)

UnknownPenCallback = Callable[[str, str | None], None]


def wall_clock_ms() -> int:
    """Milliseconds since 1970 from the system clock."""
    return time.time_ns() // 1_000_000


@dataclass(slots=True)
class ManagerStats:
    """Counters across the class of pens."""

    unknown_pens: set[str] = field(default_factory=set)
    connects: int = 0
    connect_failures: int = 0
    drops: int = 0
    visits: int = 0
    demotions: int = 0


class PenManager:
    """Discovers, connects and serves the bound pens until :meth:`stop`."""

    def __init__(
        self,
        bindings: Mapping[str, str],
        sink: StrokeSink,
        *,
        config: PenConfig | None = None,
        scanner_backend: type[BaseBleakScanner] | None = None,
        client_backend: type[BaseBleakClient] | None = None,
        clock_ms: Callable[[], int] = wall_clock_ms,
        rand: Callable[[], float] = random.random,
        on_unknown: UnknownPenCallback | None = None,
    ) -> None:
        self.config = config or PenConfig()
        self.stats = ManagerStats()
        self.pens: dict[str, PenState] = {}
        self._sink = sink
        self._scanner_backend = scanner_backend
        self._client_backend = client_backend
        self._clock = clock_ms
        self._rand = rand
        self._on_unknown = on_unknown
        self._stop = asyncio.Event()
        self._locks = {a: asyncio.Lock() for a in self.config.adapters}
        self._tasks: set[asyncio.Task[None]] = set()
        self.set_bindings(bindings)

    # Bindings ----------------------------------------------------------------

    def set_bindings(self, bindings: Mapping[str, str]) -> None:
        """Use these pen -> student bindings from now on (order is priority)."""
        wanted = {normalise_address(a): s for a, s in bindings.items()}
        for address in list(self.pens):
            if address not in wanted and self.pens[address].link is None:
                del self.pens[address]
        for priority, (address, student) in enumerate(wanted.items()):
            pen = self.pens.setdefault(address, PenState(address, student, priority))
            pen.student, pen.priority = student, priority

    # Running -----------------------------------------------------------------

    async def run(self) -> None:
        """Serve pens until :meth:`stop`; then close every link, committing ink."""
        workers = [asyncio.create_task(self._worker(a)) for a in self.config.adapters]
        try:
            await self._stop.wait()
        finally:
            self._stop.set()
            pending = [*workers, *self._tasks]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            await asyncio.gather(*(p.shutdown() for p in self.pens.values()))

    def stop(self) -> None:
        """Ask :meth:`run` to finish."""
        self._stop.set()

    async def _worker(self, adapter: str) -> None:
        loop = asyncio.get_running_loop()
        next_scan = 0.0
        # The flag, not only cancellation, ends the loop: Python 3.11's
        # wait_for can swallow a cancellation that races a completion.
        while not self._stop.is_set():
            try:
                if loop.time() >= next_scan:
                    await self._scan(adapter)
                    next_scan = loop.time() + self.config.rescan_s
                self._place()
                busy = await self._connect_live(adapter)
                busy = await self._visit_next(adapter) or busy
            except Exception:  # one bad pen or radio hiccup must not stop the class
                log.exception("%s: worker fault; carrying on", adapter)
                busy = False
            if not busy:
                await asyncio.sleep(min(self.config.round_pause_s, 0.25))

    # Discovery ---------------------------------------------------------------

    async def _scan(self, adapter: str) -> None:
        def seen(device: BLEDevice, adv: AdvertisementData) -> None:
            """Pass one advertisement on, tagged with the adapter that heard it."""
            self._advertised(adapter, device, adv)

        scanner = BleakScanner(
            seen, backend=self._scanner_backend, bluez={"adapter": adapter}
        )
        try:
            async with scanner:
                await asyncio.sleep(self.config.scan_s)
        except (BleakError, OSError) as exc:
            log.warning("%s: scan failed: %r", adapter, exc)

    def _advertised(
        self, adapter: str, device: BLEDevice, adv: AdvertisementData
    ) -> None:
        if not is_pen(adv.local_name, adv.service_uuids, adv.manufacturer_data):
            return
        address = normalise_address(device.address)
        pen = self.pens.get(address)
        if pen is None:
            self._unknown(address, adv.local_name)
            return
        pen.devices[adapter] = device
        pen.seen_at = asyncio.get_running_loop().time()

    def _unknown(self, address: str, name: str | None) -> None:
        if address in self.stats.unknown_pens:
            return
        self.stats.unknown_pens.add(address)
        log.warning("%s: pen %r is not bound to a seat; not used", address, name)
        if self._on_unknown is not None:
            self._on_unknown(address, name)

    def _place(self) -> None:
        views = [
            PenView(p.address, p.priority, frozenset(p.devices), p.adapter,
                    p.link is not None and p.live, p.demotions)
            for p in self.pens.values()
        ]  # fmt: skip
        links = self.config.links_per_adapter
        for address, placement in place(views, self.config.adapters, links).items():
            pen = self.pens[address]
            pen.adapter, pen.live = placement.adapter, placement.live

    # Live links --------------------------------------------------------------

    def _on_adapter(self, adapter: str) -> list[PenState]:
        return [p for p in self.pens.values() if p.adapter == adapter]

    async def _connect_live(self, adapter: str) -> bool:
        now = asyncio.get_running_loop().time()
        due = [p for p in self._on_adapter(adapter)
               if p.live and p.link is None and p.not_before <= now]  # fmt: skip
        for pen in sorted(due, key=lambda p: p.priority):
            if self._links(adapter) >= self.config.links_per_adapter:
                break
            await self._open(pen, adapter, live=True)
        return bool(due)

    async def _visit_next(self, adapter: str) -> bool:
        now = asyncio.get_running_loop().time()
        waiting = [
            p for p in self._on_adapter(adapter)
            if not (p.live or p.link) and p.not_before <= now
        ]  # fmt: skip
        if not waiting or self._links(adapter) >= self.config.links_per_adapter:
            return False
        pen = min(waiting, key=lambda p: (p.visited_at, p.priority))
        pen.visited_at = now
        await self._open(pen, adapter, live=False)
        return True

    def _links(self, adapter: str) -> int:
        return sum(1 for p in self._on_adapter(adapter) if p.link is not None)

    async def _open(self, pen: PenState, adapter: str, *, live: bool) -> None:
        device = pen.devices.get(adapter)
        if device is None:
            return
        link = BleakPenLink(
            device, pen.notify, backend=self._client_backend, adapter=adapter,
            timeout_s=self.config.connect_timeout_s,
        )  # fmt: skip
        pen.link = link
        config = self._session_config(pen)
        # The session exists before the link subscribes, so no value is lost.
        new_session(pen, link, self._sink, self._clock, config, self._recorder(pen))
        try:
            # Controllers run one connection set-up at a time.
            async with self._locks[adapter]:
                self.stats.connects += 1
                await link.open()
        except Exception as exc:  # backends raise their own kinds of errors
            await self._failed(pen, link, exc)
            return
        serve = self._serve(pen, link, config, live=live)
        if not live:
            await serve
            return
        # A live pen's handshake and first pull overlap the next pen's connect.
        task = asyncio.create_task(serve)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(
        self, pen: PenState, link: BleakPenLink, config: SessionConfig, *, live: bool
    ) -> None:
        try:
            await run_visit(
                pen, link, sink=self._sink, clock=self._clock, config=config,
                live=live, idle_wait_s=self.config.idle_wait_s, on_drop=self._dropped,
            )  # fmt: skip
        except Exception as exc:  # any fault ends this link, never the manager
            await self._failed(pen, link, exc)
            return
        if not live:
            pen.link = None
            self.stats.visits += 1

    def _session_config(self, pen: PenState) -> SessionConfig:
        return SessionConfig(
            password=self.config.password_for(pen.address),
            request_timeout_s=self.config.request_timeout_s,
            chunk_timeout_s=self.config.chunk_timeout_s,
        )

    async def _failed(self, pen: PenState, link: BleakPenLink, exc: Exception) -> None:
        if not isinstance(exc, PenError | BleakError | OSError):
            log.error("%s: unexpected fault: %r", pen.address, exc)
        await pen.end_session()
        await link.close()
        pen.link = None
        self.stats.connect_failures += 1
        pen.failures += 1
        self._schedule(pen)
        log.warning("%s: %s (attempt %d)", pen.address, exc, pen.failures)
        if pen.live and pen.failures >= self.config.demote_after:
            # Give the live link to a pen that can use it.
            pen.demotions += 1
            pen.failures = 0
            self.stats.demotions += 1
            log.warning("%s: served by offline pull from now on", pen.address)

    def _dropped(self, pen: PenState) -> None:
        self.stats.drops += 1
        pen.link = None
        self._schedule(pen)

    def _schedule(self, pen: PenState) -> None:
        delay = backoff_delay(
            pen.failures, self._rand(),
            base_s=self.config.backoff_base_s, cap_s=self.config.backoff_cap_s,
        )  # fmt: skip
        pen.not_before = asyncio.get_running_loop().time() + delay

    def _recorder(self, pen: PenState) -> CaptureRecorder | None:
        folder = self.config.record_dir
        if not folder:
            return None
        path = Path(folder) / f"{pen.address.replace(':', '')}-{self._clock()}.cap"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # The recorder owns the file and closes it when the session ends.
            handle = path.open("a", encoding="utf-8")
        except OSError as exc:
            log.warning("%s: cannot record traffic: %s", pen.address, exc)
            return None
        return CaptureRecorder(handle, self._clock, pen.address, owns_stream=True)

    # Status ------------------------------------------------------------------

    def status(self) -> list[dict[str, object]]:
        """One row per bound pen, for the teacher page and ``doctor``."""
        return [
            p.status() for p in sorted(self.pens.values(), key=lambda p: p.priority)
        ]

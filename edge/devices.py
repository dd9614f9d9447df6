"""The classroom's devices wired to a running gateway service.

Clickers: a serial receiver feeding the poll book, whose changes reach the
teacher page. Pens: the BLE pen manager feeding the ingest worker.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from edge.drivers.clicker.config import ClickerConfig
from edge.drivers.clicker.transport_serial import SerialReceiver
from edge.drivers.pen.config import PenConfig
from edge.drivers.pen.manager import PenManager
from edge.polls import PollBook
from edge.service import GatewayService

log = logging.getLogger(__name__)


class Clickers:
    """A clicker receiver and the polls it serves."""

    def __init__(self, service: GatewayService, config: ClickerConfig) -> None:
        bus = service.gateway.bus
        self.book = PollBook(
            service.store,
            clock=service.store.clock,
            on_change=lambda poll_id: bus.publish("poll", {"poll": poll_id}),
        )
        self.receiver = SerialReceiver(config, on_batch=self.book.handle_all)
        self.book.attach(self.receiver)
        service.services.polls = self.book
        service.services.status_sources["clicker"] = lambda: dict(self.book.status)

    def start(self) -> None:
        self.receiver.start()

    def stop(self) -> None:
        self.receiver.stop(timeout=2.0)


class Pens:
    """The BLE pen manager on its own event loop thread, feeding the ingest worker."""

    def __init__(self, service: GatewayService, config: PenConfig) -> None:
        self.service = service
        self.manager = PenManager(
            service.store.device_bindings("pen"),
            service.gateway.commit,
            config=config,
            on_unknown=self._unknown,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="pens", daemon=True)
        service.services.status_sources["pens"] = self.status

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self.manager.run())
        except Exception:
            log.exception("the pen manager stopped")
        finally:
            loop.close()

    def _unknown(self, address: str, name: str | None) -> None:
        stats = self.service.gateway.stats
        if address not in stats.unknown_pens:
            stats.unknown_pens.add(address)
            log.warning(
                "%s: a pen (%s) not bound to any seat; pair it to use it",
                address,
                name or "no name",
            )

    def status(self) -> dict[str, Any]:
        return {"pens": self.manager.status()}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.manager.stop)
        # Closing links commits the strokes in flight; give it time.
        self._thread.join(timeout=15)


@dataclass
class Devices:
    """Everything started by ``start_devices``, stopped in reverse order."""

    parts: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for part in reversed(self.parts):
            try:
                part.stop()
            except Exception:
                log.exception("could not stop %s", type(part).__name__)


def start_devices(service: GatewayService) -> Devices:
    """Start the devices the configuration enables."""
    devices = Devices()
    pens = PenConfig.from_mapping(service.config.section("pens"))
    if pens.enabled:
        pen_part = Pens(service, pens)
        pen_part.start()
        devices.parts.append(pen_part)
    clicker = ClickerConfig.from_mapping(service.config.section("clicker"))
    if clicker.enabled:
        clickers = Clickers(service, clicker)
        clickers.start()
        devices.parts.append(clickers)
    return devices

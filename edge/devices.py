"""The classroom's devices wired to a running gateway service.

Clickers: a serial receiver feeding the poll book, whose changes reach the
teacher page. Pens: the BLE pen manager feeding the ingest worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from edge.drivers.clicker.config import ClickerConfig
from edge.drivers.clicker.transport_serial import SerialReceiver
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
    clicker = ClickerConfig.from_mapping(service.config.section("clicker"))
    if clicker.enabled:
        clickers = Clickers(service, clicker)
        clickers.start()
        devices.parts.append(clickers)
    return devices

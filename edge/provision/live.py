"""Live pairing sources: the nearest pen by scan, the clicker being pressed.

Both implement :class:`~edge.provision.pairing.DeviceSource`. Pairing a pen
by writing on the pairing card needs the running pen manager, so it is a
source the service supplies, not one made here.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from edge.provision.pairing import NearestPenSource

log = logging.getLogger(__name__)

PAIRING_POLL = "pairing"


def pen_scan_source(adapter: str | None = None) -> NearestPenSource:
    """The nearest pen in a Bluetooth scan, through BlueZ."""
    from edge.provision.scan import bleak_scan

    return NearestPenSource(lambda timeout: bleak_scan(timeout, adapter))


class ClickerPressSource:
    """Clicker ids as keys are pressed, heard through the receiver.

    Opens a question on the keypads so that presses are sent at all; use it
    as a context manager so the receiver is released afterwards.
    """

    def __init__(self, section: Mapping[str, Any]) -> None:
        from edge.drivers.clicker.config import ClickerConfig
        from edge.drivers.clicker.transport_serial import SerialReceiver

        self._presses: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._receiver = SerialReceiver(
            ClickerConfig.from_mapping(section), self._on_event
        )

    def _on_event(self, event: object) -> None:
        from edge.drivers.clicker.events import ReceiverConnected
        from edge.models import Vote

        if isinstance(event, ReceiverConnected):
            log.info("pairing through the receiver on %s", event.port)
            self._receiver.start_question(PAIRING_POLL, "single", 4)
        elif isinstance(event, Vote):
            self._presses.put(event.clicker)

    def __enter__(self) -> Self:
        self._receiver.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._receiver.stop_question(PAIRING_POLL)
        self._receiver.stop()

    def next_device(self, timeout_s: float) -> str | None:
        """The id of the next clicker pressed, or None after ``timeout_s``."""
        try:
            return self._presses.get(timeout=timeout_s)
        except queue.Empty:
            return None

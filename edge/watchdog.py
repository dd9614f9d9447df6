"""Telling systemd that the gateway is up and still alive (sd_notify).

systemd passes ``NOTIFY_SOCKET`` (a unix datagram socket, ``@`` meaning the
abstract namespace) and, with ``WatchdogSec=``, ``WATCHDOG_USEC``. The service
sends ``READY=1`` once it serves, then ``WATCHDOG=1`` more often than the
watchdog interval; a loop that stalls stops pinging and systemd restarts it.
Outside systemd every call is a no-op, so ``run`` needs no special case.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)


def _socket_address(name: str) -> str | bytes:
    # An abstract socket is spelled with a leading '@' and bound with a NUL.
    if name.startswith("@"):
        return b"\0" + name[1:].encode()
    return name


class Notifier:
    """Sends sd_notify messages to systemd, if systemd asked for them."""

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        env = os.environ if environ is None else environ
        self.address = env.get("NOTIFY_SOCKET") or None
        self.interval_s = _watchdog_interval(env)
        self.clock = clock
        self._last_ping = float("-inf")

    @property
    def enabled(self) -> bool:
        """True when running under systemd with a notify socket."""
        return self.address is not None

    def send(self, *fields: str) -> bool:
        """Send ``KEY=value`` lines in one datagram; False if it could not go."""
        if self.address is None:
            return False
        message = "\n".join(fields).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto(message, _socket_address(self.address))
        except OSError as exc:
            log.warning("cannot notify systemd at %s: %s", self.address, exc)
            return False
        return True

    def ready(self, status: str = "serving") -> bool:
        """Tell systemd that start-up finished."""
        return self.send("READY=1", f"STATUS={status}")

    def stopping(self) -> bool:
        """Tell systemd that an orderly stop has begun."""
        return self.send("STOPPING=1", "STATUS=stopping")

    def status(self, text: str) -> bool:
        """A one-line status shown by ``systemctl status``."""
        return self.send(f"STATUS={text}")

    def ping(self) -> bool:
        """Reset systemd's watchdog now."""
        self._last_ping = self.clock()
        return self.send("WATCHDOG=1")

    def heartbeat(self, healthy: Callable[[], bool] | None = None) -> bool:
        """Ping at most twice per watchdog interval, and only while ``healthy()``.

        Call it from the service's main loop (once a second is fine). When
        ``healthy`` says a vital part has stopped, no ping goes out, so systemd
        restarts the service after ``WatchdogSec``.
        """
        if self.interval_s is None or self.address is None:
            return False
        if self.clock() - self._last_ping < self.interval_s / 2:
            return False
        if healthy is not None and not healthy():
            log.error("a vital part has stopped; letting the watchdog restart us")
            return False
        return self.ping()


def _watchdog_interval(env: Mapping[str, str]) -> float | None:
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    # WATCHDOG_PID names the process systemd expects pings from; a child
    # started with the same environment must not ping on its parent's behalf.
    if pid and pid != str(os.getpid()):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 1_000_000 if value > 0 else None

"""A TCP proxy between gateway and broker that can silently lose traffic.

``blackhole()`` makes every open connection discard its bytes in both
directions without closing (a half-open link: the sockets look alive);
``drop_acks()`` discards only broker-to-gateway bytes (PUBACKs vanish while
publishes still arrive). A connection that lost bytes stays broken (TLS
cannot resume mid-record); connections opened after ``heal()`` pass again.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from dataclasses import dataclass, field

from tests.support.broker import free_port


@dataclass
class _Pair:
    client: socket.socket
    upstream: socket.socket
    drop_up: bool = False
    drop_down: bool = False


@dataclass
class LossyProxy:
    """Forwards 127.0.0.1:``port`` to 127.0.0.1:``target``."""

    target: int
    port: int = field(default_factory=free_port)
    dropped_bytes: int = 0

    def __post_init__(self) -> None:
        self._mode = (False, False)  # (drop up, drop down) for new connections
        self._pairs: list[_Pair] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def blackhole(self) -> None:
        """Lose everything, both ways, on open and new connections."""
        self._set(True, True)

    def drop_acks(self) -> None:
        """Lose broker-to-gateway bytes on open and new connections."""
        self._set(False, True)

    def heal(self) -> None:
        """New connections pass again; broken ones stay broken until closed."""
        with self._lock:
            self._mode = (False, False)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()
        with self._lock:
            for pair in self._pairs:
                pair.client.close()
                pair.upstream.close()

    def _set(self, up: bool, down: bool) -> None:
        with self._lock:
            self._mode = (up, down)
            for pair in self._pairs:
                pair.drop_up |= up
                pair.drop_down |= down

    def _serve(self) -> None:
        sel = selectors.DefaultSelector()
        self._listener.setblocking(False)
        sel.register(self._listener, selectors.EVENT_READ, None)
        while not self._stop.is_set():
            for key, _ in sel.select(0.05):
                if key.data is None:
                    self._accept(sel)
                else:
                    self._forward(sel, key.fileobj, *key.data)  # type: ignore[arg-type]
        sel.close()

    def _accept(self, sel: selectors.BaseSelector) -> None:
        client, _ = self._listener.accept()
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target), timeout=2)
        except OSError:
            client.close()
            return
        with self._lock:
            pair = _Pair(client, upstream, *self._mode)
            self._pairs.append(pair)
        sel.register(client, selectors.EVENT_READ, (pair, True))
        sel.register(upstream, selectors.EVENT_READ, (pair, False))

    def _forward(
        self, sel: selectors.BaseSelector, sock: socket.socket, pair: _Pair, up: bool
    ) -> None:
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._drop_pair(sel, pair)
            return
        if pair.drop_up if up else pair.drop_down:
            self.dropped_bytes += len(data)
            return
        other = pair.upstream if up else pair.client
        try:
            other.sendall(data)
        except OSError:
            self._drop_pair(sel, pair)

    def _drop_pair(self, sel: selectors.BaseSelector, pair: _Pair) -> None:
        for s in (pair.client, pair.upstream):
            with contextlib.suppress(KeyError, ValueError):
                sel.unregister(s)
            s.close()
        with self._lock:
            if pair in self._pairs:
                self._pairs.remove(pair)

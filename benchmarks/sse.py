"""A small client for the teacher page's API and event stream, as a page uses it.

Every event is handed to a callback with the wall-clock time it arrived, so
benchmarks can measure how long a change takes to reach the page.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

EventSink = Callable[[float, str, dict[str, Any]], None]


class Api:
    """Bearer-token calls to one gateway's page."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, timeout: float = 10.0) -> tuple[int, bytes, float, float]:
        """Status, body, seconds to the first byte and seconds in all."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            started = time.perf_counter()
            conn.request("GET", path, headers=self.headers)
            response = conn.getresponse()
            first = time.perf_counter() - started
            body = response.read()
            return response.status, body, first, time.perf_counter() - started
        finally:
            conn.close()

    def json(self, path: str) -> Any:
        """The decoded JSON body of a GET (raises on a status other than 200)."""
        status, body, _, _ = self.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}: {body[:200]!r}")
        return json.loads(body)


class EventStream:
    """Reads ``/api/v1/events`` in a thread and hands each event to ``sink``."""

    def __init__(self, api: Api, sink: EventSink) -> None:
        self.api = api
        self.sink = sink
        self.connected = threading.Event()
        self.events = 0
        self._conn: http.client.HTTPConnection | None = None
        self._thread = threading.Thread(target=self._read, name="sse", daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        """Open the stream; returns once the server said hello."""
        self._thread.start()
        if not self.connected.wait(timeout):
            raise RuntimeError("the event stream did not open")

    def close(self) -> None:
        """Close the stream; the server notices on its next write."""
        conn = self._conn
        if conn is not None and conn.sock is not None:
            conn.sock.close()

    def _read(self) -> None:
        conn = http.client.HTTPConnection(self.api.host, self.api.port, timeout=None)
        self._conn = conn
        conn.request("GET", "/api/v1/events", headers=self.api.headers)
        response = conn.getresponse()
        kind, data = "", ""
        try:
            for raw in response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    data = line[6:]
                elif not line and kind:
                    self._dispatch(kind, data)
                    kind, data = "", ""
        except (OSError, ValueError, http.client.HTTPException):
            return  # closed by close() or by the server stopping

    def _dispatch(self, kind: str, data: str) -> None:
        arrived = time.time()
        if kind == "hello":
            self.connected.set()
            return
        self.events += 1
        self.sink(arrived, kind, json.loads(data) if data.startswith("{") else {})

"""Serving the Flask app with waitress in a background thread."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from waitress.server import create_server

log = logging.getLogger(__name__)

# Each open page holds one thread for its event stream; 24 threads serve a
# teacher laptop, the projector and a few tablets with room for API calls.
THREADS = 24


class WebServer:
    """A waitress server on a host and port, running until ``stop``."""

    def __init__(self, app: Flask, host: str, port: int) -> None:
        self._server = create_server(app, host=host, port=port, threads=THREADS)
        self.host = host
        self.port: int = self._server.effective_port
        self._thread = threading.Thread(target=self._serve, name="web", daemon=True)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # noqa: S104
        return f"http://{host}:{self.port}/"

    def start(self) -> None:
        self._thread.start()
        log.info("teacher page at %s", self.url)

    def stop(self) -> None:
        self._server.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        try:
            self._server.run()
        except OSError:
            # close() from another thread ends the loop with a bad descriptor.
            log.debug("web server loop ended")

"""``edge-gateway run``: the classroom service."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path
from typing import Any

from edge.config import load_config
from edge.devices import start_devices
from edge.errors import ConfigError
from edge.service import Credentials, GatewayService
from edge.watchdog import Notifier
from edge.web.security import new_secret

log = logging.getLogger(__name__)

DEFAULT_CONFIG = Path("/etc/edge-gateway/gateway.toml")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "run",
        help="run the gateway service",
        description="Run the classroom gateway: devices, grading, page and uplink.",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help=f"configuration file (default {DEFAULT_CONFIG})",
    )
    p.set_defaults(func=run_service)


def run_service(args: argparse.Namespace) -> int:
    """Run until SIGTERM or SIGINT."""
    config = load_config(args.config)
    if not config.web.teacher_password_hash:
        raise ConfigError(
            f"{args.config}: [web] teacher_password_hash is empty; "
            "set it with 'edge-gateway provision --teacher-password'"
        )
    credentials = Credentials(
        config.web.teacher_password_hash,
        config.web.api_token_hash,
        config.web.secret_key or new_secret(),
    )
    service = GatewayService(config, credentials)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    service.start()
    devices = start_devices(service)
    notifier = Notifier()
    notifier.ready(f"teacher page at {service.web.url}")
    log.info(
        "gateway %s running, teacher page at %s", config.gateway_id, service.web.url
    )
    try:
        while not stop.wait(1.0):
            notifier.heartbeat(service.gateway.alive)
    finally:
        notifier.stopping()
        devices.stop()
        service.stop()
    return 0

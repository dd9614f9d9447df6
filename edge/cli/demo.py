"""``edge-gateway demo``: a whole simulated classroom on this machine."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import tempfile
import time
import webbrowser
from pathlib import Path
from typing import Any

from edge.config import AnswerConfig, Config, WebConfig
from edge.errors import ConfigError
from edge.service import Credentials, GatewayService
from edge.web.security import hash_password, hash_token, new_secret

log = logging.getLogger(__name__)

DEMO_GATEWAY = "demo-classroom"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "demo",
        help="run a simulated classroom with the teacher page",
        description="Start the gateway with a simulated class of students who write "
        "their homework with smart pens and vote with clickers, and serve the teacher "
        "page on a local port.",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="stop cleanly after this many seconds (default: until Ctrl-C)",
    )
    p.add_argument("--port", type=int, default=8080, help="teacher page port (0: any)")
    p.add_argument("--host", default="127.0.0.1", help="teacher page address")
    p.add_argument("--db", type=Path, help="SQLite file (default: a temporary one)")
    p.add_argument("--broker", help="MQTT broker URL, e.g. mqtt://127.0.0.1:1883")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--teacher-password", help="teacher login (random if not given)")
    p.add_argument("--api-token", help="API bearer token (random if not given)")
    p.add_argument("--students", type=int, default=42, help="class size (default 42)")
    p.add_argument("--assignment", help="assignment id (default: first math one)")
    p.add_argument("--seed", type=int, default=8, help="random seed of the class")
    p.add_argument("--json", action="store_true", help="print start and end as JSON")
    p.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """Run the demo until its duration ends or it is interrupted."""
    if args.students < 1 or args.students > 200:
        raise ConfigError("--students must be 1..200")
    if not 0 <= args.port <= 65535:
        raise ConfigError("--port must be 0..65535")
    password = args.teacher_password or new_secret()
    token = args.api_token or new_secret()

    with contextlib.ExitStack() as stack:
        db = (
            args.db
            or Path(stack.enter_context(tempfile.TemporaryDirectory())) / "demo.db"
        )
        sections: dict[str, Any] = {}
        if args.broker:
            sections["uplink"] = {"broker": args.broker, "client_id": DEMO_GATEWAY}
        config = Config(
            gateway_id=DEMO_GATEWAY,
            db=db,
            classroom="demo",
            web=WebConfig(host=args.host, port=args.port),
            answers=AnswerConfig(idle_ms=2000),
            sections=sections,
        )
        service = GatewayService(
            config,
            Credentials(hash_password(password), hash_token(token), new_secret()),
        )
        service.start()
        try:
            return _run_class(service, args, password, token)
        finally:
            service.stop()


def _run_class(
    service: GatewayService, args: argparse.Namespace, password: str, token: str
) -> int:
    from edge.sim.demo import DemoClass

    demo = DemoClass(
        service, size=args.students, seed=args.seed, assignment_id=args.assignment
    )
    demo.setup()
    start = {
        "url": service.web.url,
        "teacher_password": password,
        "api_token": token,
        "db": str(service.config.db),
        "assignment": demo.assignment.id,
        "students": args.students,
    }
    if args.json:
        print(json.dumps(start, ensure_ascii=False), flush=True)
    else:
        print(
            f"Teacher page: {start['url']}\n  password: {password}\n"
            f"  API token: {token}\n"
            f"  database: {start['db']}\n  assignment: {demo.assignment.title}",
            flush=True,
        )
    if not args.no_browser:
        webbrowser.open(service.web.url)

    began = time.monotonic()
    asyncio.run(_until_done(demo, args.duration))
    summary = service.store.counts() | {"seconds": round(time.monotonic() - began, 1)}
    print(json.dumps(summary) if args.json else f"Demo ended: {summary}", flush=True)
    return 0


async def _until_done(demo: Any, duration: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    if duration > 0:
        loop.call_later(duration, stop.set)
    task = asyncio.create_task(demo.run())
    await stop.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await demo.close()

"""``edge-gateway report``: the learning analytics of one assignment."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from edge.analytics.config import AnalyticsConfig
from edge.analytics.mastery import MasteryTracker
from edge.analytics.onnx_mastery import SHIPPED_MODEL
from edge.analytics.render import render_text
from edge.analytics.report import build_report
from edge.config import load_config
from edge.errors import ConfigError, StoreError
from edge.store import Store

DEFAULT_CONFIG = Path("/etc/edge-gateway/gateway.toml")


def register(subparsers: Any) -> None:
    """Add the ``report`` subcommand."""
    p = subparsers.add_parser(
        "report",
        help="analyse an assignment from the local store",
        description=(
            "Print mastery, item analysis, diagnosis and teaching suggestions, "
            "personal practice and homework time for ASSIGNMENT_ID."
        ),
    )
    p.add_argument("assignment_id", metavar="ASSIGNMENT_ID", help="assignment id")
    p.add_argument("--db", type=Path, help="SQLite store (default: from --config)")
    p.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help=f"configuration with the store and [analytics] (default {DEFAULT_CONFIG})",
    )
    p.add_argument(
        "--lang",
        choices=["en", "zh", "both"],
        default="both",
        help="language of the suggestions in text output (default both)",
    )
    p.add_argument(
        "--refit",
        action="store_true",
        help="fit BKT parameters on the stored answers first and keep them",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def _settings(args: argparse.Namespace) -> tuple[Path, str, AnalyticsConfig]:
    if args.db is not None:
        config = AnalyticsConfig()
        if args.config != DEFAULT_CONFIG or args.config.exists():
            config = AnalyticsConfig.from_mapping(
                load_config(args.config).section("analytics")
            )
        return args.db, "report", config
    if not args.config.exists():
        raise ConfigError(f"no --db given and no configuration file at {args.config}")
    loaded = load_config(args.config)
    analytics = AnalyticsConfig.from_mapping(loaded.section("analytics"))
    return loaded.db, loaded.gateway_id, analytics


def run(args: argparse.Namespace) -> int:
    """Build the report from the store and print it."""
    db, gateway_id, config = _settings(args)
    if not db.is_file():
        raise StoreError(f"no store at {db}")
    store = Store(db, gateway_id)
    try:
        tracker = MasteryTracker(store, model_path=config.model_path or SHIPPED_MODEL)
        if args.refit:
            tracker.refit()
        report = build_report(
            store,
            args.assignment_id,
            int(time.time() * 1000),
            config=config,
            tracker=tracker,
        )
    finally:
        store.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render_text(report, args.lang), end="")
    return 0

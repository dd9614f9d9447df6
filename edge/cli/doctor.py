"""``edge-gateway doctor``: check every part of the gateway, with fixes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from edge.cli.run import DEFAULT_CONFIG
from edge.doctor import ALL_CHECKS, Status, render_text, run_checks, worst


def register(subparsers: Any) -> None:
    """Add the ``doctor`` subcommand."""
    p = subparsers.add_parser(
        "doctor",
        help="check Bluetooth, clicker receiver, broker, clock, disk, database, models",
        description="Check every part the gateway needs and say what to do about "
        "each problem. Exit status 1 when something is broken.",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help=f"configuration file (default {DEFAULT_CONFIG})",
    )
    p.add_argument(
        "--only",
        action="append",
        choices=sorted(ALL_CHECKS),
        help="run only this check (repeatable)",
    )
    p.add_argument("--json", action="store_true", help="print findings as JSON")
    p.set_defaults(func=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    """Print the findings; exit status 1 if any check failed."""
    findings = run_checks(args.config, only=args.only)
    status = worst(findings)
    if args.json:
        print(
            json.dumps(
                {
                    "status": str(status),
                    "findings": [f.as_json() for f in findings],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        print(render_text(findings))
    return 1 if status is Status.FAIL else 0

"""Entry point of ``edge-gateway``: parses arguments and runs one subcommand.

Every subcommand lives in its own module under ``edge.cli`` with a
``register(subparsers)`` function that adds its parser and sets ``func``.
Errors of the gateway become one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from edge import __version__
from edge.errors import EdgeError
from edge.logsetup import setup_logging

SUBCOMMANDS = (
    "run",
    "demo",
    "provision",
    "doctor",
    "pen",
    "clicker",
    "recognize",
    "grade",
    "report",
    "backup",
)

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="edge-gateway",
        description="Classroom gateway for smart-pen homework and clickers.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging threshold",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"edge.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"edge.cli.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2

    setup_logging(args.log_level)
    try:
        return int(args.func(args) or 0)
    except EdgeError as exc:
        print(f"edge-gateway {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        print(f"edge-gateway {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

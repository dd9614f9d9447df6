"""Entry point of ``edge-gateway``: parses arguments and runs one subcommand.

Every subcommand lives in its own module under ``edge.cli`` with a
``register(subparsers)`` function that adds its parser and sets ``func``.
Errors of the gateway become one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
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


# Answers such as "-3/4" look like options to argparse; for these subcommands a
# token that starts with a minus and then a digit, point, root or bracket is
# an answer and is moved behind "--".
ANSWER_COMMANDS = frozenset({"grade"})
_NEGATIVE_ANSWER = re.compile(r"^-[\d.(√]")


def _protect_answers(argv: list[str]) -> list[str]:
    if not argv or "--" in argv or not ANSWER_COMMANDS.intersection(argv):
        return argv
    answers = [a for a in argv if _NEGATIVE_ANSWER.match(a)]
    if not answers:
        return argv
    return [a for a in argv if a not in answers] + ["--", *answers]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(
        _protect_answers(list(sys.argv[1:] if argv is None else argv))
    )
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

"""Logging set-up, called once by the command-line entry point only.

Under systemd stderr goes to the journal, which adds its own timestamps, so
the format there is short; on a terminal the time is included.
"""

from __future__ import annotations

import logging
import os
import sys


def setup_logging(level: str = "WARNING") -> None:
    """Send the gateway's log records to stderr at the given threshold."""
    under_journal = "JOURNAL_STREAM" in os.environ
    fmt = (
        "%(levelname)s %(name)s: %(message)s"
        if under_journal
        else ("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

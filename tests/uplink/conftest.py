"""Fixtures of the uplink tests: a real mosquitto with TLS and ACLs."""

from __future__ import annotations

import pytest

from tests.support.broker import broker, pki  # noqa: F401  (fixtures)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: fault tests that take several seconds each (deselect with -m 'not slow')",
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.uplink.figures import summary_lines

    lines = summary_lines()
    if lines:
        terminalreporter.section("uplink fault figures")
        for line in lines:
            terminalreporter.write_line(line)

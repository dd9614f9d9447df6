"""Fixtures of the uplink tests: a real mosquitto with TLS and ACLs."""

from __future__ import annotations

import pytest

from tests.support.broker import broker, pki  # noqa: F401  (fixtures)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: fault tests that take several seconds each (deselect with -m 'not slow')",
    )

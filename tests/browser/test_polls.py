"""A clicker poll run from the page: start, watch the votes arrive, close, reveal.

The votes come from an emulated receiver on a pseudo-terminal, read by the
real serial transport, as in a classroom.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from edge.devices import Clickers
from edge.drivers.clicker.config import ClickerConfig
from edge.sim.clicker_receiver import EmulatedReceiver
from tests.browser.classroom import LiveGateway
from tests.browser.conftest import PageFactory


@pytest.fixture
def receiver(gateway: LiveGateway, tmp_path: Path) -> Iterator[EmulatedReceiver]:
    """An emulated receiver plugged into the gateway for one test."""
    link = tmp_path / "clicker-receiver"
    with EmulatedReceiver(link, seed=5, heartbeat_s=0.5) as emulated:
        devices = Clickers(gateway.service, ClickerConfig(port=str(link)))
        devices.start()
        try:
            yield emulated
        finally:
            devices.stop()


def bar(page: object, answer: str) -> object:
    return page.locator(f'#poll-bars div[data-answer="{answer}"]')  # type: ignore[attr-defined]


def wait_open(receiver: EmulatedReceiver) -> None:
    deadline = time.monotonic() + 10
    while not receiver.question:
        assert time.monotonic() < deadline, "the receiver never opened the question"
        time.sleep(0.05)


def poll_results(gateway: LiveGateway, poll_id: str) -> list[dict[str, object]]:
    rows = gateway.service.store.conn.execute(
        "SELECT payload FROM outbox WHERE kind = 'result'"
    ).fetchall()
    records = [json.loads(r[0])["data"] for r in rows]
    return [r for r in records if r["assignment"] == f"poll:{poll_id}"]


def test_a_poll_runs_from_start_to_reveal(
    gateway: LiveGateway, receiver: EmulatedReceiver, open_page: PageFactory
) -> None:
    page = open_page(gateway, "/polls")
    expect(page.locator("#poll-receiver")).to_contain_text("✓")
    page.select_option("#poll-kind", "single")
    page.fill("#poll-options", "4")
    page.click("#poll-start")
    expect(page.locator("#poll-state")).to_have_text("投票中")
    poll_id = page.locator("#poll-title").inner_text()
    wait_open(receiver)

    first, second, third, fourth = (s.clicker for s in gateway.demo.students)
    receiver.press(first, "A")
    receiver.press(first, "B")  # changed her mind: the latest press counts
    receiver.press(second, "B")
    receiver.press(third, "C")
    expect(page.locator("#poll-responses")).to_have_text("3")
    expect(bar(page, "B")).to_contain_text("2")
    expect(bar(page, "A")).to_contain_text("0")

    receiver.press(fourth, "B")
    expect(page.locator("#poll-responses")).to_have_text("4")
    expect(bar(page, "B")).to_contain_text("3")

    page.click("#poll-close")
    expect(page.locator("#poll-state")).to_have_text("已结束")
    receiver.press(third, "B")  # too late: stored, not counted
    page.fill("#poll-reveal-key", "B")
    page.click("#poll-reveal")
    expect(page.locator("#poll-state")).to_have_text("已公布答案")
    expect(page.locator("#poll-responses")).to_have_text("4")
    expect(bar(page, "B").locator("i.key")).to_have_count(1)
    expect(bar(page, "C")).to_contain_text("1")

    results = poll_results(gateway, poll_id)
    assert sorted(bool(r["correct"]) for r in results) == [False, True, True, True]

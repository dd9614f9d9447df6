"""The review queue: uncertain readings resolved with keyboard shortcuts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from edge.gateway import InkReader
from tests.browser.classroom import (
    ANSWER_WAIT_S,
    ASSIGNMENT,
    LiveGateway,
    start_gateway,
)

# A threshold no calibrated reading reaches sends every answer to review.
REVIEW_ALL = 0.999


@pytest.fixture(scope="module")
def uncertain(
    tmp_path_factory: pytest.TempPathFactory, reader: InkReader
) -> Iterator[LiveGateway]:
    """A gateway whose class has written one question, every answer uncertain."""
    live = start_gateway(tmp_path_factory.mktemp("review"), reader, REVIEW_ALL)
    try:
        live.write_next(1).result(timeout=ANSWER_WAIT_S)
        live.wait_answers()
        yield live
    finally:
        live.stop()


def queue(live: LiveGateway) -> list[dict[str, Any]]:
    return list(live.api("/api/v1/review")["items"])


def stored(live: LiveGateway, item: dict[str, Any]) -> dict[str, Any]:
    """The answer of a review item as the student API reports it now."""
    url = f"/api/v1/assignments/{ASSIGNMENT}/students/{item['student_id']}"
    answers = live.api(url)["answers"]
    return next(a for a in answers if a["answer_id"] == item["id"])


def shown(page: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The queue item the page shows now, told by its question and student."""
    question = page.locator("#review-question").inner_text()
    student = page.locator("#review-student").inner_text()
    matches = [
        i
        for i in items
        if question == f"{i['assignment_id']} · {i['question_id']}"
        and student.endswith(i["student_name"] or i["student_id"])
    ]
    assert len(matches) == 1, (question, student, items)
    return matches[0]


def decide_with(page: Any, keys: list[str], left: int) -> None:
    """Press keys on the review page and wait until the queue has ``left`` items."""
    for key in keys:
        page.keyboard.press(key)
    expect(page.locator("#review-count")).to_have_text(str(left))


def test_review_shortcuts_decide_and_regrade(
    uncertain: LiveGateway, open_page: Any
) -> None:
    items = queue(uncertain)
    assert len(items) >= 3, "the class should have left at least three readings"
    outbox = uncertain.api("/api/v1/summary")["outbox_pending"]
    page = open_page(uncertain, "/review")
    expect(page.locator("#review-count")).to_have_text(str(len(items)))
    expect(page.locator("#review-ink svg polyline.ink").first).to_be_attached()
    expect(page.locator("#review-candidates li").first).to_be_visible()

    # J and K move through the queue without deciding anything.
    first = shown(page, items)
    who = page.locator("#review-student")
    label = who.inner_text()
    page.keyboard.press("j")
    expect(who).not_to_have_text(label)
    assert shown(page, items) != first
    page.keyboard.press("k")
    expect(who).to_have_text(label)
    assert shown(page, items) == first

    # Y: the teacher marks the answer right.
    decide_with(page, ["y"], len(items) - 1)
    marked = stored(uncertain, first)
    assert marked["correct"] is True
    assert not marked["needs_review"]
    assert marked["reason"] == "marked by the teacher"

    # E, type the key, Enter: the correction is graded like a reading.
    second = shown(page, items)
    page.keyboard.press("e")
    expect(page.locator("#review-text")).to_be_focused()
    page.keyboard.type(second_key := stored(uncertain, second)["key"])
    decide_with(page, ["Enter"], len(items) - 2)
    corrected = stored(uncertain, second)
    assert corrected["reading"] == second_key
    assert corrected["correct"] is True

    # N: marked wrong.
    third = shown(page, items)
    decide_with(page, ["n"], len(items) - 3)
    assert stored(uncertain, third)["correct"] is False

    left = {i["id"] for i in queue(uncertain)}
    assert not left & {first["id"], second["id"], third["id"]}
    assert uncertain.api("/api/v1/summary")["outbox_pending"] == outbox + 3

"""The review queue: uncertain readings resolved with keyboard shortcuts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from edge.gateway import InkReader
from edge.inference.grading import grade
from tests.browser.classroom import (
    ANSWER_WAIT_S,
    ASSIGNMENT,
    LiveGateway,
    start_gateway,
)

# No confidence reaches this threshold (confidences lie in [0, 1]), so every
# answer goes to review. The configuration file refuses it; tests build the
# configuration object directly.
REVIEW_ALL = 1.01


@pytest.fixture(scope="module")
def uncertain(
    tmp_path_factory: pytest.TempPathFactory, reader: InkReader
) -> Iterator[LiveGateway]:
    """A gateway whose class has written two questions, every answer uncertain."""
    live = start_gateway(tmp_path_factory.mktemp("review"), reader, REVIEW_ALL)
    try:
        live.write_next(2).result(timeout=ANSWER_WAIT_S)
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


def regraded(live: LiveGateway, item: dict[str, Any], text: str) -> bool:
    """What the grader says of ``text`` as an answer to the item's question."""
    question = live.demo.assignment.question(item["question_id"])
    return grade(question, text).correct


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


class Desk:
    """The review page, its queue length and the answer it shows."""

    def __init__(self, page: Any, items: list[dict[str, Any]]) -> None:
        self.page = page
        self.items = items
        self.left = len(items)

    def current(self) -> dict[str, Any]:
        return shown(self.page, self.items)

    def press(self, *keys: str) -> None:
        """Press keys that decide the shown item; wait for the queue to shrink."""
        for key in keys:
            self.page.keyboard.press(key)
        self.left -= 1
        expect(self.page.locator("#review-count")).to_have_text(str(self.left))


def test_review_shortcuts_decide_and_regrade(
    uncertain: LiveGateway, open_page: Any
) -> None:
    items = queue(uncertain)
    assert len(items) >= 5, "the class should have left five uncertain readings"
    outbox = uncertain.api("/api/v1/summary")["outbox_pending"]
    page = open_page(uncertain, "/review")
    desk = Desk(page, items)
    expect(page.locator("#review-count")).to_have_text(str(len(items)))
    expect(page.locator("#review-ink svg polyline.ink").first).to_be_attached()
    expect(page.locator("#review-candidates li").first).to_be_visible()

    # J and K move through the queue without deciding anything.
    first = desk.current()
    who = page.locator("#review-student")
    label = who.inner_text()
    page.keyboard.press("j")
    expect(who).not_to_have_text(label)
    assert desk.current() != first
    page.keyboard.press("k")
    expect(who).to_have_text(label)

    # Y: the teacher marks the answer right.
    desk.press("y")
    marked = stored(uncertain, first)
    assert (marked["correct"], marked["needs_review"]) == (True, False)
    assert marked["reason"] == "marked by the teacher"

    # E, type the key, Enter: the correction is graded like a reading.
    second = desk.current()
    page.keyboard.press("e")
    expect(page.locator("#review-text")).to_be_focused()
    page.keyboard.type(key := stored(uncertain, second)["key"])
    desk.press("Enter")
    corrected = stored(uncertain, second)
    assert (corrected["reading"], corrected["correct"]) == (key, True)

    # N: marked wrong.
    third = desk.current()
    desk.press("n")
    assert stored(uncertain, third)["correct"] is False

    # 1: the first candidate is what the student wrote.
    fourth = desk.current()
    picked = fourth["candidates"][0]["text"]
    desk.press("1")
    answer = stored(uncertain, fourth)
    assert answer["reading"] == picked
    assert answer["correct"] is regraded(uncertain, fourth, picked)

    # Enter: the machine's reading is confirmed and graded.
    fifth = desk.current()
    desk.press("Enter")
    answer = stored(uncertain, fifth)
    assert answer["reading"] == fifth["reading"]
    assert answer["correct"] is regraded(uncertain, fifth, fifth["reading"])

    decided = {i["id"] for i in (first, second, third, fourth, fifth)}
    assert len(decided) == 5
    assert not decided & {i["id"] for i in queue(uncertain)}
    assert uncertain.api("/api/v1/summary")["outbox_pending"] == outbox + 5

"""A student's answers with handwriting replay, and the anonymous projector."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.classroom import ASSIGNMENT, LiveGateway

# Logs the player's state changes and, for every frame it draws, how many
# strokes it shows, so that a replay shorter than one polling interval is seen.
WATCH_PLAYER = """
() => {
  const box = document.getElementById("replay");
  const svg = box.querySelector("svg");
  window.playerStates = [];
  window.playerFrames = [];
  new MutationObserver(() => window.playerStates.push(box.dataset.playing))
    .observe(box, { attributes: true, attributeFilter: ["data-playing"] });
  new MutationObserver(() => window.playerFrames.push(
    [box.dataset.playing, svg.querySelectorAll("polyline.ink").length]))
    .observe(svg, { childList: true });
}
"""


def answers_of(live: LiveGateway, student_id: str) -> list[dict[str, Any]]:
    """A student's stored answers, from the API."""
    url = f"/api/v1/assignments/{ASSIGNMENT}/students/{student_id}"
    return [a for a in live.api(url)["answers"] if a["answer_id"] is not None]


def most_strokes(live: LiveGateway, answers: list[dict[str, Any]]) -> tuple[Any, int]:
    """The answer written with the most strokes and its stroke count."""
    counted = [
        (a, len(live.api(f"/api/v1/answers/{a['answer_id']}/ink")["strokes"]))
        for a in answers
    ]
    return max(counted, key=lambda pair: pair[1])


def answer_row(page: Any, question: str) -> Any:
    """The student page's table row of one question."""
    first_cell = page.locator("td:first-child", has_text=re.compile(f"^{question}$"))
    return page.locator("#student-answers tbody tr").filter(has=first_cell)


def test_student_page_replays_handwriting(
    answered: LiveGateway, open_page: Any
) -> None:
    student = answered.demo.students[0].student
    answer, strokes = most_strokes(answered, answers_of(answered, student.id))
    page = open_page(answered)

    page.locator(f'#students li[data-student="{student.id}"] a').click()
    expect(page).to_have_url(re.compile(f"/student/{ASSIGNMENT}/{student.id}$"))
    expect(page.locator("#student-name")).to_contain_text(student.name)
    row = answer_row(page, answer["question"])
    expect(row.locator("td").nth(2)).to_have_text(answer["reading"] or "")

    row.locator(".replay-btn").click()
    replay = page.locator("#replay")
    expect(replay).to_have_attribute("data-answer", str(answer["answer_id"]))
    expect(replay.locator("svg polyline.ink")).to_have_count(strokes)

    page.evaluate(WATCH_PLAYER)
    replay.locator("button.play").click()
    page.wait_for_function("window.playerStates.includes('1')")
    expect(replay).to_have_attribute("data-playing", "0")
    assert page.evaluate("window.playerStates") == ["1", "0"]
    frames = page.evaluate("window.playerFrames")
    shown = [n for playing, n in frames if playing == "1"]
    assert shown == sorted(shown), frames
    if strokes > 1:
        # Strokes come back one after another, as they were written.
        assert shown and shown[0] < strokes, frames
    expect(replay.locator("svg polyline.ink")).to_have_count(strokes)


def test_projector_shows_the_chosen_answer_without_names(
    answered: LiveGateway, open_page: Any
) -> None:
    student = answered.demo.students[1].student
    answer = answers_of(answered, student.id)[0]
    projector = open_page(answered, "/projector")
    questions = len(answered.demo.assignment.questions)
    expect(projector.locator("#proj-questions .pq")).to_have_count(questions)
    expect(projector.locator("#proj-ink")).to_be_hidden()

    teacher = open_page(answered, f"/student/{ASSIGNMENT}/{student.id}")
    answer_row(teacher, answer["question"]).locator(".replay-btn").click()
    show = teacher.locator("#replay button:not(.play)")
    show.click()

    try:
        expect(projector.locator("#proj-ink svg polyline.ink").first).to_be_attached()
        expect(projector.locator("#proj-answered")).to_have_text(
            str(len(answered.names))
        )
        html = projector.content()
        for name in answered.names:
            assert name not in html
        assert student.id not in projector.locator("main").inner_text()
    finally:
        answered.api("/api/v1/projector", {"answer_id": None})

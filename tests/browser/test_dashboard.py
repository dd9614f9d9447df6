"""The dashboard: class results arriving live, and the language switch."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from edge.web.i18n import STRINGS
from tests.browser.classroom import ANSWER_WAIT_S, ASSIGNMENT, CLASS_SIZE, LiveGateway


def answers_cell(page: Any, question: str) -> Any:
    """The dashboard cell counting the answers to one question."""
    return page.locator(f'#questions tbody tr[data-question="{question}"] td').nth(2)


def test_answers_from_the_class_appear_without_reload(
    gateway: LiveGateway, open_page: Any
) -> None:
    page = open_page(gateway)
    expect(page.locator("#live")).to_have_class(re.compile(r"\blive\b"))
    page.wait_for_function("document.body.dataset.answers !== undefined")
    before = int(page.evaluate("document.body.dataset.answers"))
    page.evaluate("window.sameDocument = true")

    run = gateway.write_next(1)
    question = gateway.written[-1]
    expect(answers_cell(page, question)).to_have_text("0")
    page.wait_for_function("n => Number(document.body.dataset.answers) > n", arg=before)
    expect(answers_cell(page, question)).not_to_have_text("0")

    run.result(timeout=ANSWER_WAIT_S)
    total = gateway.wait_answers()
    page.wait_for_function(
        "n => Number(document.body.dataset.answers) === n", arg=total
    )
    expect(answers_cell(page, question)).to_have_text(str(CLASS_SIZE))
    expect(page.locator("#answered")).to_have_text(f"{CLASS_SIZE} / {CLASS_SIZE}")
    assert page.evaluate("window.sameDocument") is True

    results = gateway.api(f"/api/v1/assignments/{ASSIGNMENT}/results")
    for q in results["questions"]:
        expect(answers_cell(page, q["id"])).to_have_text(str(q["answers"]))
    started = page.locator("#students li.started, #students li.finished")
    expect(started).to_have_count(CLASS_SIZE)


def test_language_switch_shows_english_and_sticks(
    gateway: LiveGateway, open_page: Any
) -> None:
    zh, en = STRINGS["zh"], STRINGS["en"]
    page = open_page(gateway)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("header nav")).to_contain_text(zh["results"])

    page.get_by_role("link", name=zh["language"], exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("header nav")).to_contain_text(en["results"])
    expect(page.locator("#questions thead")).to_contain_text(en["correct_rate"])
    # Strings the script writes come in the same language.
    expect(page.locator("#live")).to_have_text(en["live"])

    page.goto("/review")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".hint")).to_have_text(en["shortcuts"])

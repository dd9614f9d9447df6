"""Logging in to the teacher page in a real browser."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from edge.web.i18n import STRINGS
from tests.browser.classroom import PASSWORD, LiveGateway

SUBMIT = "form.login button[type=submit]"


def test_wrong_password_shows_error_then_right_one_opens_dashboard(
    gateway: LiveGateway, open_page: Any
) -> None:
    page = open_page(gateway, "/", login=False)
    # Without a session the dashboard sends the browser to the login form.
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)$"))

    page.fill("#password", "not the password")
    page.click(SUBMIT)
    expect(page.locator(".login .error")).to_have_text(STRINGS["zh"]["wrong_password"])
    expect(page.locator("#questions")).to_have_count(0)

    page.fill("#password", PASSWORD)
    page.click(SUBMIT)
    expect(page).to_have_url(gateway.url)
    questions = len(gateway.demo.assignment.questions)
    expect(page.locator("#questions tbody tr")).to_have_count(questions)
    expect(page.locator("#students li")).to_have_count(len(gateway.names))

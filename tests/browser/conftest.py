"""Fixtures for browser tests: a live gateway, its simulated class, real Chromium.

Chromium is the Debian package at /usr/bin/chromium, driven by Playwright's
Python API; without it every browser test is skipped with the reason. When a
test fails, a screenshot of each of its open pages and the pages' console
output are saved under ``test-artifacts/`` at the repository root.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.gateway import InkReader
from edge.web import auth
from tests.browser.classroom import PASSWORD, LiveGateway, start_gateway

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Long enough for a class to write an answer on a busy two-core machine.
WAIT_MS = 20_000
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()

PageFactory = Callable[..., Any]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[None]:
    """Keep each phase's report on the item so fixtures can see a failure."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def load_reader() -> InkReader:
    """The shipped recognizer, or a skip while its model is not built yet."""
    from edge.inference.recognition import Recognizer
    from edge.inference.recognition import recognizer as module

    model = module.MODEL_DIR / "symbols.onnx"
    if not model.is_file():
        pytest.skip(f"no recognizer model at {model}: train it first")
    return Recognizer.load()


@pytest.fixture(scope="package")
def reader() -> InkReader:
    return load_reader()


@pytest.fixture(scope="package")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, reader: InkReader
) -> Iterator[LiveGateway]:
    """A gateway with the calibrated review threshold and a class of four."""
    live = start_gateway(tmp_path_factory.mktemp("gateway"), reader)
    yield live
    live.stop()


@pytest.fixture(scope="package")
def answered(gateway: LiveGateway) -> LiveGateway:
    """The gateway once its class has written answers and all are stored."""
    gateway.ensure_answers()
    return gateway


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[PageFactory]:
    """Opens pages of a gateway in fresh browser contexts, logged in by default.

    Uncaught script errors on any page fail the test; on failure each page
    is saved as a screenshot with its console log.
    """
    contexts: list[Any] = []
    console: list[str] = []

    def factory(live: LiveGateway, path: str = "/", *, login: bool = True) -> Any:
        context = browser.new_context(
            base_url=live.url, viewport={"width": 1366, "height": 768}, locale="zh-CN"
        )
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        if login:
            log_in(page, live)
        if path != "/" or not login:
            page.goto(path)
        return page

    yield factory

    failed = any(r.failed for r in request.node.stash.get(REPORTS, {}).values())
    if failed:
        save_artifacts(request.node.nodeid, contexts, console)
    errors = [line for line in console if line.startswith("pageerror")]
    for context in contexts:
        context.close()
    assert not errors, f"script errors on the page: {errors}"


def log_in(page: Any, live: LiveGateway) -> None:
    """Log in through the login form and wait for the dashboard."""
    # Earlier tests' wrong passwords must not lock this address out.
    auth.limiter.succeeded("127.0.0.1")
    page.goto("/login")
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(live.url)


def save_artifacts(nodeid: str, contexts: list[Any], console: list[str]) -> None:
    """Screenshots of every open page and the console log, named after the test."""
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid)
    pages = [p for c in contexts for p in c.pages]
    for i, page in enumerate(pages):
        try:
            page.screenshot(path=str(ARTIFACTS / f"{stem}-{i}.png"), full_page=True)
        except Exception as exc:  # a closed page must not hide the failure
            console.append(f"screenshot {i} failed: {exc}")
    (ARTIFACTS / f"{stem}.log").write_text("\n".join(console) + "\n", encoding="utf-8")

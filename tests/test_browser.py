"""The chat page in a real headless Chromium: answer, sources, feedback, XSS, facts and chart."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_web import XSS, running_chat

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(
    built_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    with running_chat(built_home, tmp_path_factory.mktemp("browser")) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: run `make install-test`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, server: tuple[str, Path]) -> Iterator[Any]:
    """A page that may only talk to the server; anything else is recorded and refused."""
    url, _home = server
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    pg.outside = []
    pg.dialogs = []

    def route(r: Any) -> None:
        if r.request.url.startswith((url.rstrip("/"), "data:", "blob:")):
            r.continue_()
        else:
            pg.outside.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.add_init_script("window.alert = (m) => { window.__alerted = String(m); };")
    pg.goto(url)
    pg.wait_for_selector("#facts dl", timeout=30_000)
    yield pg
    pg.close()


def ask(pg: Any, question: str, answers: int) -> Any:
    pg.fill("#question textarea", question)
    pg.keyboard.press("Enter")
    bubbles = pg.locator("#chat .cb-a")
    deadline = time.monotonic() + 30
    while bubbles.count() < answers and time.monotonic() < deadline:
        time.sleep(0.1)
    pg.wait_for_function(
        f"document.querySelectorAll('#chat .cb-a').length >= {answers} && "
        "!document.querySelector('#chat .pending, #chat [class*=generating]')", timeout=30_000)
    return bubbles.nth(answers - 1)


def test_answer_sources_feedback_and_screenshot(page: Any, server: tuple[str, Path]) -> None:
    answer = ask(page, "How much do medical and health services managers earn?", 1)
    page.wait_for_selector("#chat .cb-sources", timeout=30_000)
    assert "$101,340" in answer.inner_text() and "[1]" in answer.inner_text()
    sources = page.locator("#chat .cb-sources").first
    assert "[1] Pay:" in sources.inner_text()
    passage = sources.locator(".cb-passage").first
    assert not passage.is_visible()
    sources.locator("summary").first.click()
    assert "The lowest 10 percent earned less than $60,780" in passage.inner_text()
    assert page.locator("#chat mark").first.inner_text().startswith("The median annual wage")
    follow = page.locator("button.cb-follow:visible")
    assert 2 <= follow.count() <= 3
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-answer.png"), full_page=True)

    page.fill("#comment textarea", "clear and cited")
    page.locator("#chat button[aria-label=Like]").last.click()
    db = server[1] / "feedback.db"
    rows: list[Any] = []
    deadline = time.monotonic() + 15
    while not rows and time.monotonic() < deadline:
        time.sleep(0.2)
        if db.exists():
            with sqlite3.connect(db) as conn:
                rows = conn.execute(
                    "SELECT question, vote, comment, citations FROM feedback").fetchall()
    assert rows and rows[-1][:3] == (
        "How much do medical and health services managers earn?", 1, "clear and cited")
    assert '"section": "Pay"' in rows[-1][3]
    assert page.outside == []  # nothing fetched from the internet (fonts included)


def test_xss_is_shown_as_text_and_runs_nothing(page: Any) -> None:
    ask(page, XSS, 1)
    time.sleep(0.5)
    chat = page.locator("#chat")
    assert XSS in chat.inner_text()
    assert chat.locator("img").count() == 0 and chat.locator("a[href*=evil]").count() == 0
    assert page.evaluate("window.__alerted") is None and page.dialogs == []
    assert page.outside == []


def test_example_then_follow_up_buttons(page: Any) -> None:
    example = page.locator("#chat button:has-text('How much do medical')").first
    example.click()
    page.wait_for_selector("#chat .cb-sources", timeout=30_000)
    assert "$101,340" in page.locator("#chat .cb-a").first.inner_text()
    first = page.locator("button.cb-follow:visible").first
    question = first.inner_text()
    first.click()
    page.wait_for_function("document.querySelectorAll('#chat .cb-a').length >= 2", timeout=30_000)
    assert question in page.locator("#chat").inner_text()


def test_quick_facts_and_chart_render(page: Any) -> None:
    facts = page.locator("#facts").inner_text()
    for expected in ["Median pay", "$101,340 per year (May 2021)", "480,700 (2021)",
                     "+28%, 2021–2031", "about 56,600", "Bachelor's degree", "Licensure"]:
        assert expected in facts
    page.wait_for_selector("#pay-chart svg, #pay-chart canvas", timeout=30_000)
    assert "Median pay by industry" in page.locator("#pay-chart").inner_text()

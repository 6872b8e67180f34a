"""The chat page in a real headless Chromium: answers, sources, follow-ups, feedback, XSS,
facts and chart, a saved conversation, accessibility (axe-core), dark mode and a phone."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_web import Q_PAY, XSS, running_chat

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}


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


def keep_on_server(pg: Any, url: str) -> Any:
    """Let a page talk only to the server at ``url``: any other request is refused and
    recorded in ``pg.outside`` (the page must work offline)."""
    pg.outside = []

    def route(r: Any) -> None:
        if r.request.url.startswith((url.rstrip("/"), "data:", "blob:")):
            r.continue_()
        else:
            pg.outside.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    return pg


@pytest.fixture
def open_page(browser: Any, server: tuple[str, Path]) -> Iterator[Callable[..., Any]]:
    """Opens the chat in a fresh browser context (its own storage) that may only talk to the
    server; anything else is recorded in ``page.outside`` and refused."""
    url, _home = server
    contexts: list[Any] = []

    def opened(viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
        context = browser.new_context(viewport=viewport, **options)
        contexts.append(context)
        pg = keep_on_server(context.new_page(), url)
        pg.dialogs = []
        pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
        pg.add_init_script("window.alert = (m) => { window.__alerted = String(m); };")
        pg.goto(url)
        pg.wait_for_selector("#facts dl", timeout=30_000)
        return pg

    yield opened
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: Callable[..., Any]) -> Any:
    return open_page()


def ask(pg: Any, question: str, answers: int) -> Any:
    pg.fill("#question textarea", question)
    pg.keyboard.press("Enter")
    return answered(pg, answers)


def answered(pg: Any, answers: int) -> Any:
    """The ``answers``-th answer bubble, once it is complete: the final update is the one that
    brings the follow-up options (or shows an error), streamed text never has them."""
    pg.wait_for_function(
        f"document.querySelectorAll('#chat .cb-a').length >= {answers} && "
        "document.querySelector('#chat .options, #chat .cb-error') && "
        "!document.querySelector('#chat .pending, #chat [class*=generating]')", timeout=30_000)
    return pg.locator("#chat .cb-a").nth(answers - 1)


def shoot(pg: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def serious_violations(pg: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now (axe.js is bundled
    with axe-playwright-python and injected into the page: nothing is downloaded)."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(pg).response["violations"]
    return [f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes']]}"
            for v in found if v["impact"] in ("serious", "critical")]


def feedback_rows(db: Path, count: int) -> list[Any]:
    rows: list[Any] = []
    deadline = time.monotonic() + 15
    while len(rows) < count and time.monotonic() < deadline:
        time.sleep(0.2)
        if db.exists():
            with sqlite3.connect(db) as conn:
                rows = conn.execute(
                    "SELECT question, vote, comment, citations FROM feedback ORDER BY id").fetchall()
    return rows


def test_answer_sources_follow_ups_and_vote_with_comment(
    page: Any, server: tuple[str, Path]
) -> None:
    answer = ask(page, Q_PAY, 1)
    page.wait_for_selector("#chat .cb-sources", timeout=30_000)
    assert "$101,340" in answer.inner_text() and "[1]" in answer.inner_text()
    sources = page.locator("#chat .cb-sources").first
    assert "[1] Pay:" in sources.inner_text()
    passage = sources.locator(".cb-passage").first
    assert not passage.is_visible()
    sources.locator("summary").first.click()
    assert "The lowest 10 percent earned less than $60,780" in passage.inner_text()
    assert page.locator("#chat mark").first.inner_text().startswith("The median annual wage")
    options = page.locator("#chat button.option")
    assert 2 <= options.count() <= 3 and Q_PAY not in options.all_inner_texts()
    assert not page.locator("#vote-prompt").is_visible()  # no detached comment box

    before = len(feedback_rows(server[1] / "feedback.db", 0))
    page.locator("#chat button[aria-label=Like]").last.click()
    prompt = page.locator("#vote-prompt")
    prompt.wait_for(state="visible", timeout=15_000)
    assert f"Thanks for rating the answer to “{Q_PAY}”. What was useful?" in prompt.inner_text()
    shoot(page, "chat-desktop")
    page.fill("#comment textarea", "clear and cited")
    page.click("#send-comment")
    prompt.wait_for(state="hidden", timeout=15_000)
    assert "Thanks, your comment was saved." in page.locator("#status").inner_text()
    rows = feedback_rows(server[1] / "feedback.db", before + 1)
    assert rows[-1][:3] == (Q_PAY, 1, "clear and cited") and '"section": "Pay"' in rows[-1][3]
    assert page.outside == []  # nothing fetched from the internet (fonts included)


def test_xss_is_shown_as_text_and_runs_nothing(page: Any) -> None:
    ask(page, XSS, 1)
    time.sleep(0.5)
    chat = page.locator("#chat")
    assert XSS in chat.inner_text()
    assert chat.locator("img").count() == 0 and chat.locator("a[href*=evil]").count() == 0
    assert page.evaluate("window.__alerted") is None and page.dialogs == []
    assert page.outside == []


def test_example_then_follow_up_option(page: Any) -> None:
    page.locator("#chat button:has-text('How much do medical')").first.click()
    page.wait_for_selector("#chat .cb-sources", timeout=30_000)
    assert "$101,340" in page.locator("#chat .cb-a").first.inner_text()
    first = page.locator("#chat button.option").first
    question = first.inner_text()
    first.click()
    answered(page, 2)
    assert page.locator("#chat .cb-q").nth(1).inner_text() == question
    assert question not in page.locator("#chat button.option").all_inner_texts()
    page.locator("#chat button[aria-label=Dislike]").last.click()
    prompt = page.locator("#vote-prompt")
    prompt.wait_for(state="visible", timeout=15_000)
    assert f"the answer to “{question}”. What was wrong or missing?" in prompt.inner_text()
    page.click("#skip-comment")
    prompt.wait_for(state="hidden", timeout=15_000)


def test_quick_facts_and_pay_chart_are_legible(page: Any) -> None:
    facts = page.locator("#facts").inner_text()
    for expected in ["Median pay", "$101,340 per year (May 2021)", "480,700 (2021)",
                     "+28%, 2021–2031", "about 56,600", "Bachelor's degree", "Licensure"]:
        assert expected in facts
    chart = page.locator("#pay-chart")
    assert "Median annual pay by industry" in chart.inner_text()
    labels = chart.locator(".cb-bar-label")
    assert labels.all_inner_texts() == [
        "Hospitals; state, local, and private", "Government", "Outpatient care centers",
        "Offices of physicians", "Nursing and residential care facilities"]
    assert chart.locator(".cb-bar-value").all_inner_texts() == [
        "$119,450", "$117,000", "$99,540", "$98,230", "$83,550"]
    cut = page.evaluate("""() => [...document.querySelectorAll(
        '#pay-chart .cb-bar-label, #pay-chart .cb-bar-value')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).length""")
    assert cut == 0  # every label and value shown whole
    widths = [b.bounding_box()["width"] for b in chart.locator(".cb-bar").all()]
    assert widths == sorted(widths, reverse=True) and widths[-1] < 0.75 * widths[0]


def saved_after(pg: Any, before: str | None) -> None:
    """Wait until the page has stored a new conversation in the browser."""
    pg.wait_for_function("(before) => localStorage.getItem('careerbot-conversation') !== before",
                         arg=before, timeout=15_000)


def test_reload_keeps_the_conversation_and_clear_forgets_it(page: Any) -> None:
    before = page.evaluate("localStorage.getItem('careerbot-conversation')")
    ask(page, Q_PAY, 1)
    saved_after(page, before)
    page.reload()
    assert "$101,340" in answered(page, 1).inner_text()
    assert page.locator("#chat button.option").count() >= 2
    before = page.evaluate("localStorage.getItem('careerbot-conversation')")
    assert "$119,450" in ask(page, "What about in hospitals?", 2).inner_text()  # history too
    saved_after(page, before)  # each answer is one write (restoring writes nothing)
    before = page.evaluate("localStorage.getItem('careerbot-conversation')")
    page.click("#clear")
    page.wait_for_function("document.querySelectorAll('#chat .cb-a').length == 0")
    saved_after(page, before)
    page.reload()
    page.wait_for_selector("#chat button:has-text('How much do medical')", timeout=30_000)
    assert page.locator("#chat .cb-a").count() == 0


def test_accessibility_empty_answered_and_dark(open_page: Callable[..., Any]) -> None:
    page = open_page()
    assert serious_violations(page) == []
    ask(page, Q_PAY, 1)
    page.wait_for_selector("#chat .cb-sources", timeout=30_000)
    page.locator("#chat button[aria-label=Like]").last.click()
    page.locator("#vote-prompt").wait_for(state="visible", timeout=15_000)
    assert serious_violations(page) == []
    unnamed = page.evaluate("""() => [...document.querySelectorAll('button')]
        .filter(b => b.checkVisibility() && !(b.getAttribute('aria-label') || b.innerText
                || b.title || b.getAttribute('aria-labelledby') || '').trim())
        .map(b => b.outerHTML.slice(0, 120))""")
    assert unnamed == []  # every button has an accessible name
    live = page.locator("#chat [aria-live=polite]").filter(has=page.locator(".cb-a"))
    assert live.count() == 1  # the streamed answer is in a live region: it is announced

    dark = open_page(color_scheme="dark")
    assert dark.evaluate("document.body.classList.contains('dark')")  # follows the system
    ask(dark, Q_PAY, 1)
    dark.wait_for_selector("#chat .cb-sources", timeout=30_000)
    assert serious_violations(dark) == []  # colour contrast in dark mode too
    shoot(dark, "chat-dark")
    assert page.outside == [] and dark.outside == []


def test_phone_no_sideways_scroll_and_facts_below_chat(open_page: Callable[..., Any]) -> None:
    page = open_page(PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    ask(page, Q_PAY, 1)
    page.wait_for_selector("#chat .cb-sources", timeout=30_000)
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], wide
    chat, facts = page.locator("#chat").bounding_box(), page.locator("#facts").bounding_box()
    assert facts["y"] >= chat["y"] + chat["height"]
    assert chat["height"] >= 0.5 * PHONE["height"]  # a tall chat on a phone too
    assert serious_violations(page) == []
    shoot(page, "chat-phone")

"""The chat page: pure helpers, the page logic in-process, and a real server with gradio_client."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import CORPUS, free_port, stop
from typer.testing import CliRunner

from careerbot import CareerBot, Settings
from careerbot.app.access import check_host, is_loopback, parse_auth
from careerbot.app.cli import app
from careerbot.app.feedback import FeedbackStore
from careerbot.app.page_html import (
    chat_messages,
    conversation_markdown,
    facts_html,
    friendly,
    pay_chart_html,
    pay_rows,
    render_answer,
    render_question,
    sources_html,
    stored_turns,
    text_html,
)
from careerbot.app.web import ChatPage, build_app, launch_options
from careerbot.core.facts import extract
from careerbot.core.suggest import follow_ups, subject, suggestions
from careerbot.errors import ConfigError, IndexBusy
from careerbot.result import Citation

XSS = "<img src=x onerror=alert(1)> ![x](http://evil.example/a.png) [click](http://evil.example)"
Q_PAY = "How much do medical and health services managers earn?"
CITE = Citation(1, "m.txt", "Managers", "Pay", "The median <b>wage</b> was $101,340.", 10, 45,
                "Intro. The median <b>wage</b> was $101,340. More.", 0.9)


# -- pure helpers --------------------------------------------------------------------


def test_text_is_escaped_never_markup() -> None:
    assert text_html(XSS).startswith("&lt;img src=x onerror=alert(1)&gt;")
    assert "<" not in text_html(XSS) and text_html("a\nb") == "a<br>b"
    shown = render_question(XSS)
    assert "<img" not in shown and "&lt;img" in shown
    long = render_question("x" * 10_000)
    assert "(10,000 characters)" in long and len(long) < 600


def test_sources_are_numbered_with_expandable_passage() -> None:
    html = sources_html([CITE])
    summary = "<summary>[1] <b>Pay</b>: “The median &lt;b&gt;wage&lt;/b&gt; was $101,340.”"
    assert "<details>" + summary in html
    assert "Intro. <mark>The median &lt;b&gt;wage&lt;/b&gt; was $101,340.</mark> More." in html
    assert sources_html([]) == ""
    answer = render_answer("It is $101,340. [1]", [CITE])
    assert answer.startswith('<div class="cb-a">It is $101,340. [1]</div><div class="cb-sources">')
    assert "\n\n" not in answer  # one HTML block: Markdown never runs inside it


def test_chat_messages_two_per_turn_and_markdown_download() -> None:
    turns = [{"question": "How much?", "answer": "$101,340 [1]", "citations": [asdict(CITE)]},
             {"question": "Hi", "answer": "Sorry.", "citations": [], "error": True}]
    messages = chat_messages(turns)
    assert [m["role"] for m in messages] == ["user", "assistant"] * 2
    assert "cb-error" in messages[3]["content"]
    assert "options" not in messages[1]
    with_ups = chat_messages(turns, ["Where do they work?"])
    assert with_ups[-1]["options"] == [{"label": "Where do they work?", "value": "Where do they work?"}]
    assert chat_messages([], ["Where do they work?"]) == []
    md = conversation_markdown("Managers", turns)
    assert md.startswith("# careerbot conversation: Managers")
    assert "- [1] **Pay**: “The median <b>wage</b> was $101,340.” (m.txt, characters 10–45)" in md


def test_saved_turns_from_the_browser_are_checked() -> None:
    good = {"question": "How much?", "answer": "$101,340 [1]", "citations": [asdict(CITE)],
            "error": False}
    assert stored_turns([good]) == [good]
    bad_cite = {**asdict(CITE), "section": ["<b>"]}
    broken = [None, "x", {"question": 1, "answer": "a"}, {"question": "q"},
              {**good, "citations": [bad_cite]}, {**good, "citations": [{"n": 1}]},
              {**good, "citations": "no"}]
    assert stored_turns(broken + [good]) == [good]
    assert stored_turns({"question": "q"}) == [] and stored_turns(None) == []
    assert stored_turns([{"question": "q", "answer": "a", "error": "yes"}])[0]["error"] is False


def test_pay_chart_is_bars_with_every_label_and_value(bot: CareerBot) -> None:
    facts = bot.facts()[0]
    html = pay_chart_html(facts)
    for row in pay_rows(facts):
        assert f'<span class="cb-bar-label">{text_html(row["industry"])}</span>' in html
        assert f'${row["median_pay"]:,}</span>' in html
    assert "Hospitals; state, local, and private" in html
    assert 'style="width: 100.0%"' in html and 'style="width: 69.9%"' in html  # 83,550 / 119,450
    assert "the median annual wages for medical and health services managers in the top" in html
    assert pay_chart_html(None) == ""


def test_friendly_errors() -> None:
    assert friendly(IndexBusy("x")) == "The index is being rebuilt, try again in a few seconds."
    assert friendly(ConfigError("Fix it.")) == "Fix it."
    assert "something went wrong" in friendly(RuntimeError("boom"))


def test_suggestions_and_follow_ups_come_from_sections() -> None:
    assert subject("Medical and health services managers") == "medical and health services managers"
    assert subject("RN supervisors") == "RN supervisors"
    pool = suggestions("Dental hygienists", ["Overview", "Pay", "Job Outlook", "FAQ"])
    assert pool == [("How much do dental hygienists earn?", "Pay"),
                    ("What is the job outlook for dental hygienists?", "Job Outlook")]
    assert follow_ups(pool, ["How much do dental hygienists earn?"], {"Pay"}) == [
        "What is the job outlook for dental hygienists?"]
    assert follow_ups(pool, [], set()) == [q for q, _ in pool]


def test_host_check_and_auth() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")
    with pytest.raises(ConfigError, match="--auth"):
        check_host("0.0.0.0", None, insecure=False)
    check_host("0.0.0.0", [("u", "p")], insecure=False)
    check_host("0.0.0.0", None, insecure=True)
    assert parse_auth("ann:s3cret:x", None) == [("ann", "s3cret:x")]
    with pytest.raises(ConfigError, match="USER:PASSWORD"):
        parse_auth("nopassword", None)


def test_auth_file(tmp_path: Path) -> None:
    f = tmp_path / "auth"
    f.write_text("# who may log in\nann:one\n\nbob:two\n")
    assert parse_auth(None, f) == [("ann", "one"), ("bob", "two")]
    with pytest.raises(ConfigError, match="Cannot read"):
        parse_auth(None, tmp_path / "missing")


def test_page_style_and_script_ship_with_the_package() -> None:
    options = launch_options("127.0.0.1", 1, None)
    assert ".cb-bar" in options["css"] and "--cb-muted" in options["css"]
    assert "Send question" in options["js"] and options["js"].lstrip().startswith("() =>")


def test_cli_refuses_public_host_without_auth() -> None:
    got = CliRunner().invoke(app, ["chat", "--host", "0.0.0.0", "--port", "1"])
    assert got.exit_code == 1
    assert "Refusing to serve on 0.0.0.0 without a password" in got.output


# -- the page logic, in-process ---------------------------------------------------------


@pytest.fixture(scope="module")
def page(bot: CareerBot, tmp_path_factory: pytest.TempPathFactory) -> ChatPage:
    return ChatPage(bot, Settings(corpus=CORPUS, home=tmp_path_factory.mktemp("page") / "home"))


def final(page: ChatPage, message: Any, turns: list[dict[str, Any]]) -> tuple[Any, ...]:
    *_, last = page.respond(message, turns)
    return last


def test_bot_answers_from_worker_threads(built_home: Path) -> None:
    """Gradio runs every handler in a worker thread; torch's grad mode is per thread.

    A private bot, so a model loaded in a worker thread cannot affect the shared one.
    """
    from concurrent.futures import ThreadPoolExecutor

    own = CareerBot(Settings(corpus=CORPUS, home=built_home))
    for _ in range(2):  # the first call loads the model in one thread, the next uses another
        with ThreadPoolExecutor(1) as pool:
            got = pool.submit(own.ask, Q_PAY).result()
        assert "$101,340" in got.text
    assert "$101,340" in own.ask(Q_PAY).text  # and back on the main thread


def test_respond_streams_then_cites(page: ChatPage) -> None:
    outs = list(page.respond(Q_PAY, []))
    assert outs[0][0][-1] == {"role": "assistant", "content": "…"}
    assert "cb-sources" not in str(outs[1][0][-1]["content"])  # streamed text before sources
    messages, turns, box, download = outs[-1]
    assert box == "" and len(turns) == 1 and len(messages) == 2
    assert "$101,340" in messages[1]["content"] and "<b>Pay</b>" in messages[1]["content"]
    assert turns[0]["citations"][0]["section"] == "Pay"
    assert all("options" not in m for out in outs[:-1] for m in out[0])  # not while streaming
    shown = [o["value"] for o in messages[1]["options"]]
    assert 2 <= len(shown) <= 3 and Q_PAY not in shown
    assert all(q in [p for p, _ in page.pool] for q in shown)
    assert download.visible is True
    text = page.conversation(turns)  # made when Download is clicked
    assert "$101,340" in text and "**Pay**" in text


def test_suggestions_are_answered_from_their_section(page: ChatPage, bot: CareerBot) -> None:
    assert len(page.pool) >= 6
    for question, section in page.pool:
        got = bot.ask(question)
        assert not got.refused and section in {c.section for c in got.citations}, question


def test_bad_input_becomes_a_chat_message(page: ChatPage) -> None:
    cases = [("", "The question is empty"), ("   ", "The question is empty"),
             ("x" * 10_000, "the limit is 2,000"), (None, "The question is empty")]
    for message, expected in cases:
        messages, turns, *_ = final(page, message, [])
        assert expected in messages[-1]["content"] and turns[-1]["error"]


def test_index_busy_is_friendly(page: ChatPage, monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(*_a: Any, **_k: Any) -> Iterator[Any]:
        raise IndexBusy("Another process is updating the index.")
        yield  # pragma: no cover

    monkeypatch.setattr(page.bot, "stream", busy)
    messages, *_ = final(page, Q_PAY, [])
    assert "The index is being rebuilt, try again in a few seconds." in messages[-1]["content"]


def test_follow_up_uses_history_and_vote_is_stored(page: ChatPage) -> None:
    _m, turns, *_ = final(page, Q_PAY, [])
    messages, turns, *_ = final(page, "What about in hospitals?", turns)
    assert "$119,450" in messages[-1]["content"]
    status, row, prompt, group, _votes = page.vote(turns, {}, SimpleNamespace(index=3, liked=False))
    assert status == "" and row is not None and group.visible is True
    assert prompt.label == ("Thanks for rating the answer to “What about in hospitals?”. "
                            "What was wrong or missing? (optional)")
    assert page.add_comment("  ", row)[0] == "Type a comment first, or choose Not now."
    status, left, group = page.add_comment("more please", row)
    assert status.startswith("Thanks") and left == "" and group.visible is False
    rows = FeedbackStore(page.settings.home_dir / "feedback.db").rows()
    [stored] = [r for r in rows if r["id"] == row]
    assert stored["question"] == "What about in hospitals?" and stored["vote"] == -1
    assert stored["history"] == [[Q_PAY, turns[0]["answer"]]]
    assert stored["comment"] == "more please" and stored["citations"][0]["section"] == "Pay"


def test_vote_outside_the_chat_opens_no_prompt(page: ChatPage) -> None:
    status, row, _prompt, group, _votes = page.vote([], {}, SimpleNamespace(index=1, liked=True))
    assert (status, row, group.visible) == ("", None, False)
    assert page.add_comment("hello", None)[0].startswith("Rate an answer")


def test_restore_shows_a_saved_conversation(page: ChatPage) -> None:
    _m, turns, *_ = final(page, Q_PAY, [])
    messages, restored, box, download = page.restore(turns + ["junk"])
    assert restored == turns and box == "" and download.visible is True
    assert "$101,340" in messages[1]["content"] and messages[1]["options"]
    messages, restored, _box, download = page.restore(None)
    assert messages == [] and restored == [] and download.visible is False


def test_panel_shows_facts_and_chart(page: ChatPage, bot: CareerBot) -> None:
    html, chart = page.panel()
    assert "$101,340 per year (May 2021)" in html and "Job Outlook" in html
    assert [int(v.replace(",", "")) for v in re.findall(r'cb-bar-value">\$([\d,]+)<', chart)] == [
        119450, 117000, 99540, 98230, 83550]
    assert "No quick facts" in facts_html(None) and pay_rows(None) == []
    assert page.facts == extract(bot.chunks()[1])[0]


@pytest.mark.server
def test_auth_is_required_when_given(bot: CareerBot, tmp_path: Path) -> None:
    import httpx

    settings = Settings(corpus=CORPUS, home=tmp_path / "home")
    demo = build_app(bot, settings)
    port = free_port()
    demo.launch(**launch_options("127.0.0.1", port, [("ann", "s3cret")]))
    try:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/config").status_code == 401
        bad = httpx.post(f"{base}/login", data={"username": "ann", "password": "nope"})
        assert bad.status_code == 400
        with httpx.Client() as c:
            assert c.post(f"{base}/login", data={"username": "ann", "password": "s3cret"}).is_success
            assert c.get(f"{base}/config").status_code == 200
    finally:
        demo.close()


# -- a real server, a real client -----------------------------------------------------


def launch_chat(home: Path, port: int, *args: str) -> subprocess.Popen[str]:
    """Start `careerbot chat` on a loopback port and wait until it answers HTTP."""
    env = {**os.environ, "CAREERBOT_HOME": str(home), "CAREERBOT_CORPUS": str(CORPUS),
           "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False",
           "HF_HUB_OFFLINE": "1", "NO_PROXY": "127.0.0.1,localhost"}
    exe = Path(sys.executable).with_name("careerbot")
    log = home.parent / "chat.log"  # a file, not a pipe: a full pipe would stall the server
    with open(log, "w") as out:
        proc = subprocess.Popen([str(exe), "chat", "--port", str(port), *args], env=env,
                                stdout=out, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"careerbot chat exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise TimeoutError("careerbot chat did not start within 120 s")


@contextmanager
def running_chat(built_home: Path, folder: Path) -> Iterator[tuple[str, Path]]:
    """`careerbot chat` over a private copy of the built index: (URL, home)."""
    home = folder / "home"
    shutil.copytree(built_home, home)
    proc = launch_chat(home, port := free_port())
    try:
        yield f"http://127.0.0.1:{port}/", home
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def server(built_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_chat(built_home, tmp_path_factory.mktemp("chat")) as (url, _):
        yield url


def ask(client: Any, question: str) -> tuple[list[str], str]:
    """Every streamed assistant text, and the final one."""
    job = client.submit(question, api_name="/chat")
    seen = [str(out[0][-1]["content"]) for out in job]
    last = str(job.result()[0][-1]["content"])
    return seen, last


@pytest.mark.server
@pytest.mark.slow
def test_gradio_client_answer_sources_and_follow_up(server: str) -> None:
    from gradio_client import Client

    client = Client(server, verbose=False)
    seen, answer = ask(client, Q_PAY)
    assert "$101,340" in answer and "[1]" in answer
    assert "<b>Pay</b>: “The median annual wage for medical and health services managers was " \
        "$101,340 in May 2021." in answer  # the quote, then the rest of its short paragraph
    assert any("cb-a" in s and "cb-sources" not in s for s in seen)  # streamed first
    _seen, follow = ask(client, "What about in hospitals?")  # same session: history is kept
    assert "$119,450" in follow


@pytest.mark.server
@pytest.mark.slow
def test_gradio_client_bad_input(server: str) -> None:
    from gradio_client import Client

    client = Client(server, verbose=False)
    assert "The question is empty" in ask(client, "")[1]
    assert "the limit is 2,000" in ask(client, "x" * 10_000)[1]
    job = client.submit(XSS, api_name="/chat")
    messages = job.result()[0]
    shown = str(messages[-2]["content"]) + str(messages[-1]["content"])
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "<img" not in shown and "<a " not in shown

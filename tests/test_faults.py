"""Faults: killed ingests, ingest during chat, damaged index folders, fuzzed questions, kills."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careerbot import Answer, BadQuestion, CareerBot, Settings
from careerbot.errors import IndexIncompatible
from careerbot.index.store import IndexStore
from careerbot.models.embeddings import LocalEmbeddings

Q_PAY = "How much do medical and health services managers earn?"
PAY = "$101,340"
EXE = Path(sys.executable).with_name("careerbot")


def env_for(home: Path) -> dict[str, str]:
    return {**os.environ, "CAREERBOT_HOME": str(home), "CAREERBOT_CORPUS": str(CORPUS),
            "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1"}


def kill9(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


# -- kill -9 during an ingest ------------------------------------------------------------

DRIVER = (
    "import chromadb, sentence_transformers, careerbot.index.store\n"
    "print('ready', flush=True)\n"
    "from careerbot.app.cli import main\n"
    "main(['ingest', '--rebuild'])\n"
)


@pytest.mark.slow
def test_kill_9_during_ingest_leaves_the_previous_index(fresh_home: Path) -> None:
    bot = CareerBot(Settings(corpus=CORPUS, home=fresh_home))
    want = bot.ask(Q_PAY)
    rng = random.Random(int(time.time()))
    delays = [rng.uniform(0.0, 1.5), rng.uniform(1.5, 4.0), rng.uniform(4.0, 8.0)]
    for delay in delays:  # early (model load), middle (embedding), late (writing, swapping)
        proc = subprocess.Popen([sys.executable, "-c", DRIVER], env=env_for(fresh_home),
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        kill9(proc)
        got = bot.ask(Q_PAY)  # the same bot: it reopens whatever version is live
        assert (got.text, got.citations) == (want.text, want.citations), f"killed at {delay:.1f}s"
        assert bot.store.problem() is None
    report = IndexStore(bot.settings, bot.embeddings).ingest(progress=False)
    assert report.version and not list((fresh_home / "index").glob("*.partial"))
    assert bot.ask(Q_PAY).text == want.text


# -- a chat server answering while an ingest runs ---------------------------------------


@pytest.fixture(scope="module")
def chat(built_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    from test_web import running_chat

    with running_chat(built_home, tmp_path_factory.mktemp("faults-chat")) as served:
        yield served


def last_reply(client: Any, question: str) -> str:
    return str(client.submit(question, api_name="/chat").result(timeout=60)[0][-1]["content"])


@pytest.mark.server
@pytest.mark.slow
def test_chat_keeps_answering_during_an_ingest(chat: tuple[str, Path]) -> None:
    from gradio_client import Client

    url, home = chat
    client = Client(url, verbose=False)
    assert PAY in last_reply(client, Q_PAY)
    replies: list[tuple[float, float, str]] = []  # (asked at, seconds, reply)
    errors: list[BaseException] = []
    stop_at: list[float] = []

    def loop() -> None:
        try:
            while not stop_at or time.monotonic() < stop_at[0]:
                t = time.monotonic()
                text = last_reply(client, Q_PAY)
                replies.append((t, time.monotonic() - t, text))
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    asker = threading.Thread(target=loop, daemon=True)
    asker.start()
    settings = Settings(corpus=CORPUS, home=home)
    store = IndexStore(settings, LocalEmbeddings(settings.model_dir))
    before = store.current_version()
    began = time.monotonic()
    report = store.ingest(rebuild=True, progress=False)
    ended = time.monotonic()
    stop_at.append(time.monotonic() + 5)
    asker.join(timeout=90)
    assert not asker.is_alive(), "a question hung"
    assert not errors, errors
    assert report.version != before
    during = [r for r in replies if began <= r[0] <= ended]
    after = [r for r in replies if r[0] > ended]
    assert during and after, (len(during), len(after))
    assert all(PAY in text and latency < 60 for _, latency, text in replies), replies


# -- damaged index folders ---------------------------------------------------------------

DAMAGE = {
    "empty-sqlite": lambda v: os.truncate(v / "chroma.sqlite3", 0),
    "truncated-sqlite": lambda v: os.truncate(v / "chroma.sqlite3", 400_000),
    "deleted-sqlite": lambda v: (v / "chroma.sqlite3").unlink(),
    "garbage-manifest": lambda v: (v / "manifest.json").write_text("{not json"),
    "wrong-manifest": lambda v: (v / "manifest.json").write_text('{"schema": 1}'),
    "garbage-chunks": lambda v: (v / "chunks.jsonl").write_text("{not json"),
    "deleted-keywords": lambda v: (v / "keywords-weights.npy").unlink(),
}


def damaged_copy(built_home: Path, tmp_path: Path, kind: str) -> Path:
    home = tmp_path / kind
    shutil.copytree(built_home, home)
    version = (home / "index" / "CURRENT").read_text().strip()
    DAMAGE[kind](home / "index" / version)
    return home


@pytest.mark.slow
def test_damaged_index_is_detected_in_one_line_and_rebuilt(built_home: Path,
                                                           tmp_path: Path) -> None:
    homes = {kind: damaged_copy(built_home, tmp_path, kind) for kind in DAMAGE}
    cli_kinds = ["truncated-sqlite", "garbage-manifest"]  # through the real command
    asks = {kind: subprocess.Popen([str(EXE), "ask", Q_PAY], env=env_for(homes[kind]),
                                   text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for kind in cli_kinds}
    for kind, proc in asks.items():
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 1, (kind, out, err)
        assert "Traceback" not in err and out == "", (kind, err)
        assert err.startswith("error: ") and "careerbot ingest --rebuild" in " ".join(err.split())
    rebuilds = [subprocess.Popen([str(EXE), "ingest", "--rebuild"], env=env_for(homes[k]),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for k in cli_kinds[1:]]
    for kind in DAMAGE:
        settings = Settings(corpus=CORPUS, home=homes[kind])
        if kind not in cli_kinds[1:]:
            bot = CareerBot(settings)
            with pytest.raises(IndexIncompatible, match="ingest --rebuild"):
                bot.ask(Q_PAY)
            if kind != "wrong-manifest":  # (all are alike to ingest)
                assert bot.ingest(progress=False).rebuilt_because  # a plain ingest repairs too
    for proc in rebuilds:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0 and "Traceback" not in err, err
    for kind, home in homes.items():
        if kind == "wrong-manifest":
            continue
        assert PAY in CareerBot(Settings(corpus=CORPUS, home=home)).ask(Q_PAY).text, kind


def test_deleted_vector_files_never_crash(built_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    version = home / "index" / (home / "index" / "CURRENT").read_text().strip()
    for segment in [p for p in version.iterdir() if p.is_dir()]:
        shutil.rmtree(segment)  # Chroma replays its log into a new vector segment
    bot = CareerBot(Settings(corpus=CORPUS, home=home))
    try:
        assert PAY in bot.ask(Q_PAY).text
    except IndexIncompatible as e:
        assert "ingest --rebuild" in str(e)


# -- fuzzed questions --------------------------------------------------------------------

NASTY = [
    "<script>alert(1)</script> salary?", "'; DROP TABLE feedback; --", "1 OR 1=1",
    "\x00\x01\x02 pay \x7f", "\u202epay\u202c", "💰💰💰 how much?", "\ud800 lone surrogate",
    "SELECT * FROM embeddings WHERE 1=1", "{{ 7*7 }} ${7*7} %s %n", "\\n\\r\\t",
    "pay " * 499, "a" * 1_000_000, " \n\t ", "",
]
questions = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Cs", "Co", "Zs", "So"]),
            max_size=200),
    st.text(min_size=1990, max_size=2010),
    st.builds(lambda a, b: a + " " + b, st.sampled_from(NASTY), st.text(max_size=50)),
)
histories = st.one_of(
    st.none(),
    st.lists(st.tuples(st.text(max_size=100), st.text(max_size=100)), max_size=3),
    st.lists(st.one_of(st.integers(), st.text(max_size=5), st.tuples(st.text())), max_size=2),
)


@pytest.mark.slow
@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(question=questions, history=histories)
def test_fuzzed_questions_answer_or_bad_question(bot: CareerBot, question: str,
                                                 history: Any) -> None:
    try:
        got = bot.ask(question, history)
    except BadQuestion as e:
        assert str(e) and "\n" not in str(e)
        return
    assert isinstance(got, Answer) and isinstance(got.text, str) and got.text


@pytest.mark.slow
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(question=questions.filter(lambda q: q == q.encode("utf-8", "replace").decode()))
def test_fuzzed_questions_through_the_chat_page(page: Any, question: str,
                                                capfd: pytest.CaptureFixture[str]) -> None:
    check_page_reply(page, question, capfd)


def test_lone_surrogate_through_the_chat_page(page: Any,
                                              capfd: pytest.CaptureFixture[str]) -> None:
    check_page_reply(page, "\ud800 lone surrogate", capfd)


def check_page_reply(page: Any, question: str, capfd: pytest.CaptureFixture[str]) -> None:
    *_, last = page.respond(question, [])
    turn = last[1][-1]
    assert isinstance(turn["answer"], str) and turn["answer"]
    assert "something went wrong" not in turn["answer"]
    assert "Traceback" not in capfd.readouterr().err


@pytest.fixture(scope="module")
def page(bot: CareerBot, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from careerbot.app.web import ChatPage

    return ChatPage(bot, Settings(corpus=CORPUS, home=tmp_path_factory.mktemp("fz") / "home"))


@pytest.mark.server
@pytest.mark.slow
def test_fuzzed_questions_through_the_web_endpoint(chat: tuple[str, Path]) -> None:
    from gradio_client import Client

    client = Client(chat[0], verbose=False)
    sendable = [q for q in NASTY[:-2] if "\ud800" not in q]  # httpx cannot send a lone surrogate
    for question in sendable + ["x" * 5000]:
        reply = last_reply(client, question)
        assert reply and "something went wrong" not in reply, question
    assert PAY in last_reply(client, Q_PAY)  # still serving


# -- the feedback database under kill -9 --------------------------------------------------

WRITER = (
    "import sys\n"
    "from pathlib import Path\n"
    "from careerbot.app.feedback import FeedbackStore\n"
    "store = FeedbackStore(Path(sys.argv[1]))\n"
    "i = 0\n"
    "while True:\n"
    "    i += 1\n"
    "    row = store.record(f'q{i}', [('a', 'b')], 'answer ' * 50, [{'n': 1}], 1, 'c')\n"
    "    print(row, flush=True)\n"
)


@pytest.mark.slow
def test_feedback_rows_survive_kill_9(tmp_path: Path) -> None:
    from careerbot.app.feedback import FeedbackStore

    db = tmp_path / "feedback.db"
    committed: list[int] = []
    for delay in (0.05, 0.3, 0.7):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        first = proc.stdout.readline()  # imports done, one row committed
        time.sleep(delay)
        kill9(proc)
        out = first + proc.stdout.read()
        committed += [int(line) for line in out.split("\n")[:-1] if line.strip()]
    assert committed
    ids = {row["id"] for row in FeedbackStore(db).rows()}
    assert set(committed) <= ids
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

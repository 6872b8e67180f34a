"""Hostile or careless input (issue 14): each test names the hole it keeps closed."""

from __future__ import annotations

import csv
import ctypes
import gc
import io
import itertools
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from conftest import CORPUS, free_port
from test_browser import browser, keep_on_server  # noqa: F401  (the headless Chromium fixture)
from typer.testing import CliRunner

from careerbot import CareerBot, corpus
from careerbot.app import cli
from careerbot.app.access import FREE_LOGINS, MAX_WAIT, LoginThrottle, parse_auth
from careerbot.app.feedback import MAX_COMMENT_CHARS, FeedbackStore
from careerbot.app.page_html import render_answer, render_question, text_html
from careerbot.config import Settings
from careerbot.core.chunking import CorpusFile, chunk_document, chunk_stream
from careerbot.core.text import clean
from careerbot.corpus import load_documents
from careerbot.errors import ConfigError, CorpusError, FeedbackStoreError, IndexIncompatible
from careerbot.index.batches import BATCH
from careerbot.index.server import ServerBackend
from careerbot.index.store import IndexStore
from careerbot.models.embeddings import LocalEmbeddings
from careerbot.result import Answer, Citation

runner = CliRunner()


# Feedback store


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_export_neutralises_formulas(tmp_path: Path, start: str) -> None:
    store = FeedbackStore(tmp_path / "feedback.db")
    formula = f'{start}HYPERLINK("http://evil.example","x")'
    store.record(formula, [], formula, [], -1, "  =1+1")
    out = io.StringIO()
    store.export(out, "csv")
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert row["question"] == row["answer"] == "'" + formula
    # The comment is stripped first, so its leading blanks do not hide the formula.
    assert row["comment"] == "'=1+1"
    assert row["vote"] == "-1"  # numbers are not text a spreadsheet would run


def test_jsonl_export_keeps_text_exact(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.db")
    store.record("=1+1", [], "answer", [], 1)
    out = io.StringIO()
    store.export(out, "jsonl")
    assert '"question": "=1+1"' in out.getvalue()


def test_comments_are_capped(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.db")
    row = store.record("q", [], "a", [], 1, "x" * (MAX_COMMENT_CHARS + 500))
    assert len(store.rows()[0]["comment"]) == MAX_COMMENT_CHARS
    assert store.comment(row, "y" * (MAX_COMMENT_CHARS * 3))
    assert store.rows()[0]["comment"] == "y" * MAX_COMMENT_CHARS


def test_damaged_feedback_db_is_a_domain_error(tmp_path: Path) -> None:
    path = tmp_path / "feedback.db"
    path.write_bytes(b"this is not SQLite\x00\xff" * 200)
    with pytest.raises(FeedbackStoreError, match="move it"):
        FeedbackStore(path).rows()


def test_damaged_feedback_db_export_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "feedback.db").write_bytes(b"this is not SQLite\x00\xff" * 200)
    result = runner.invoke(cli.app, ["feedback", "export", "--home", str(home)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error:") and "feedback.db" in line and "move it" in line


# CLI prints text inertly

HOSTILE = "Pay [/note] is [red]x[/red] :x: [bold]"


class _FixedBot:
    chat_model = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def ask(self, question: str) -> Answer:
        cite = Citation(1, "job.txt", "Job", "Pay", HOSTILE, 0, len(HOSTILE), HOSTILE, 1.0)
        return Answer(text=HOSTILE + " [1]", citations=[cite])


def test_ask_prints_answer_text_verbatim(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "make_bot", lambda **_: _FixedBot())
    result = runner.invoke(cli.app, ["ask", "How much?"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [HOSTILE + " [1]", "", "Sources", f"[1] Pay: {HOSTILE}"]


def test_markup_in_an_error_message_is_printed_not_parsed() -> None:
    result = runner.invoke(cli.app, ["ingest", "--corpus", "[/x]"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error:") and "[/x]" in line and "does not exist" in line


# Auth file


def test_indented_comment_in_auth_file_is_not_a_login(tmp_path: Path) -> None:
    path = tmp_path / "auth"
    path.write_text("# team logins\n  # old:secret\n\t#gone:too\nalice:pw\n   \n")
    assert parse_auth(None, path) == [("alice", "pw")]


# Settings


@pytest.mark.parametrize("name", ["CHAT_CONCURRENCY", "CHAT_QUEUE_SIZE", "TOP_K", "MAX_QUESTION_CHARS"])
@pytest.mark.parametrize("value", ["0", "-3"])
def test_counts_below_one_are_refused_at_start(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"CAREERBOT_{name}={value}.*at least 1"):
        Settings.resolve(env={f"CAREERBOT_{name}": value})


def test_counts_of_one_are_accepted() -> None:
    settings = Settings.resolve(env={"CAREERBOT_CHAT_CONCURRENCY": "1", "CAREERBOT_CHAT_QUEUE_SIZE": "1"})
    assert (settings.chat_concurrency, settings.chat_queue_size) == (1, 1)


# Chat address


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("[::1]", "http://[::1]:7860/"),
        ("::1", "http://[::1]:7860/"),
        ("127.0.0.1", "http://127.0.0.1:7860/"),
        ("localhost", "http://localhost:7860/"),
    ],
)
def test_page_url_brackets_ipv6_once(host: str, url: str) -> None:
    from careerbot.app.web import page_url

    assert page_url(host, 7860) == url


# Corpus symlinks


def test_corpus_link_outside_the_folder_is_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "job.txt").write_text("Job\n\nWhat they do.\n")
    (corpus / "inside.md").symlink_to(corpus / "job.txt")
    secret = tmp_path / "secret.txt"
    secret.write_text("password: hunter2\n")
    (corpus / "leak.txt").symlink_to(secret)
    docs = load_documents(corpus)
    assert [d.source for d in docs] == ["inside.md", "job.txt"]
    (notice,) = capsys.readouterr().err.strip().splitlines()
    assert "leak.txt" in notice and "outside the corpus folder" in notice


# Corpus edges: a large file streams


def _pieces(text: str, rng: random.Random) -> list[str]:
    """``text`` cut at random places, some a character apart."""
    cuts = sorted({0, len(text), *(rng.randrange(len(text)) for _ in range(len(text) // 40))})
    return [text[a:b] for a, b in itertools.pairwise(cuts)]


@pytest.mark.parametrize("count_tokens, max_tokens", [(len, 120), (lambda t: len(t.split()), 256)])
def test_chunks_streamed_in_any_pieces_equal_the_whole_documents(
    count_tokens: Callable[[str], int], max_tokens: int
) -> None:
    """The ingest cuts a file as it reads it: the chunks (hence ids and answers) are the same."""
    rng = random.Random(14)
    docs = load_documents(CORPUS) + load_documents(Path(__file__).parent / "data" / "orthoptic")
    docs.append(CorpusFile("odd.md", "Odd", "# Odd\n\n \t\n\nIntro:\n\n- a\n- b\n\n\n\nPay\nIt is $5. "
                           + "word " * 300 + "\n \n\nEnd"))
    for doc in docs:
        whole = chunk_document(doc, count_tokens, max_tokens)
        for _ in range(5):
            streamed = list(chunk_stream(doc.source, Path(doc.source).stem, _pieces(doc.text, rng),
                                         count_tokens, max_tokens))
            assert streamed == whole


def test_a_corpus_file_is_read_in_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Line breaks split across pieces, and a bad byte past the first piece, read as whole."""
    monkeypatch.setattr(corpus, "PIECE", 7)
    (tmp_path / "a.txt").write_bytes(b"Title\r\n\r\nPay\r\rIt is $5.\r")
    ((doc,),) = [load_documents(tmp_path)]
    assert doc.text == "Title\n\nPay\n\nIt is $5.\n"
    (tmp_path / "b.txt").write_bytes("Caf\xe9 managers, then more text".encode() + b" \xff")  # é split
    with pytest.raises(CorpusError, match=r"b.txt is not UTF-8 text \(byte 31\)"):
        corpus.scan(tmp_path)


def test_a_file_changed_while_it_is_indexed_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Pay\n\nIt is $5.\n")
    (source,) = corpus.scan(tmp_path)
    (tmp_path / "a.txt").write_text("Pay\n\nIt is $6.\n")
    with pytest.raises(CorpusError, match="a.txt changed while it was being indexed"):
        list(source.pieces())


def _bench_stream(*args: str, out: Path) -> dict[str, Any]:
    """One row of ``benchmarks/bench_stream.py`` (an ingest of one generated file, in its own process)."""
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_stream.py"
    done = subprocess.run([sys.executable, str(script), *args, "--json", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    (row,) = json.loads(out.read_text())
    return dict(row)


@pytest.mark.slow
def test_a_50_mb_file_is_embedded_as_it_is_read(fresh_home: Path, tmp_path: Path) -> None:
    """Issue 14: one 50 MB file was read whole and its ~500,000 chunks built before the first
    was embedded (1.44 GB after 5 minutes). Now vectors are stored within the first minute,
    under 1 GiB; and killing that ingest leaves the live index answering.

    A whole 50 MB ingest takes hours on two cores; README "Large corpus files" gives a
    longer run by hand, and the next test a complete one."""
    settings = Settings(corpus=CORPUS, home=fresh_home)
    before = IndexStore(settings, LocalEmbeddings(settings.model_dir)).current_version()
    row = _bench_stream("--mb", "50", "--seconds", "75", "--every", "5", "--home", str(fresh_home),
                        out=tmp_path / "stream.json")
    assert row["bytes"] >= 50_000_000 and row["killed"]
    assert row["chunks"] >= BATCH, row["samples"]
    assert row["peak_rss_mib"] <= 1024, row["samples"]
    assert IndexStore(settings, LocalEmbeddings(settings.model_dir)).current_version() == before
    assert "$101,340" in CareerBot(settings).ask("What is the median pay?").text


@pytest.mark.slow
def test_a_generated_file_is_ingested_and_its_fact_answered(fresh_home: Path, tmp_path: Path) -> None:
    row = _bench_stream("--mb", "0.3", "--home", str(fresh_home), out=tmp_path / "stream.json")
    assert row["complete"] and row["chunks"] > 3_000 and row["answered"], row
    assert row["peak_rss_mib"] <= 1024, row["samples"]


def test_a_vote_on_a_damaged_feedback_db_says_it_was_not_saved(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from careerbot.app.web import ChatPage

    page = ChatPage.__new__(ChatPage)  # only the feedback store is needed here
    home = tmp_path / "home"
    home.mkdir()
    (home / "feedback.db").write_bytes(b"this is not a database" * 100)
    page.feedback = FeedbackStore(home / "feedback.db")
    turns = [{"question": "Pay?", "answer": "A [1].", "citations": [], "error": False}]
    status, row, _prompt, comment_box, votes = page.vote(turns, {}, SimpleNamespace(index=1, liked=True))
    assert status.startswith("Your vote was not saved") and row is None and votes == {}
    assert comment_box.visible is False  # no comment prompt for a vote that was not stored
    assert page.add_comment("hello", 1)[0].startswith("Your comment was not saved")


# Input bounded and cleaned at every door

IMAGE = "Pay?\r\r![p](http://evil.example/t.png)"
BREAKS = ["\r", "\r\n", "\v", "\f", "\x85", "\u2028", "\u2029", "\x1c"]


@pytest.mark.parametrize("brk", BREAKS)
def test_every_line_break_becomes_one_kind(brk: str) -> None:
    assert clean(f"a{brk}{brk}b") == "a\n\nb"


def test_control_characters_and_lone_surrogates_are_cleaned() -> None:
    assert clean("a\x00b\x1bc\x7f\td\ud800e") == "abc\td\ufffde"
    assert clean("x" * 50, limit=10) == "x" * 10
    assert clean("ok: café, 数, 🙂") == "ok: café, 数, 🙂"


@pytest.mark.parametrize("attack", [IMAGE, "Pay?\u2028\u2028![p](http://evil.example/t.png)",
                                    "a\ud800b", "<img src=x>\x00\r\n\r\n**bold**"])
def test_one_escaping_function_for_every_bubble(attack: str) -> None:
    cite = Citation(1, attack, attack, attack, attack, 0, 1, attack, 1.0)
    for html in (text_html(attack), render_question(attack), render_answer(attack, [cite])):
        assert not set(html) & set("\r\n\v\f\x85\u2028\u2029\ud800\x00")  # one HTML block
        assert "<img" not in html and ("](" in html) == ("](" in attack)  # text, not Markdown
        html.encode("utf-8")  # no lone surrogate left to crash the event stream


@pytest.fixture(scope="module")
def page(bot: CareerBot, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from careerbot.app.web import ChatPage

    return ChatPage(bot, Settings(corpus=CORPUS, home=tmp_path_factory.mktemp("atk") / "home"))


def last_update(page: Any, message: Any, turns: list[dict[str, Any]]) -> Any:
    *_, last = page.respond(message, turns)
    return last


def test_carriage_returns_never_reach_the_chat(page: Any) -> None:
    messages, turns, *_ = last_update(page, IMAGE, [])
    assert turns[-1]["question"] == "Pay?\n\n![p](http://evil.example/t.png)"
    for m in messages:
        assert "\r" not in m["content"] and "\n" not in m["content"]


def test_a_lone_surrogate_leaves_a_session_that_still_serialises(page: Any) -> None:
    messages, turns, *_ = last_update(page, "\ud800 How much do they earn?", [])
    orjson.dumps([messages, turns])  # what Gradio's event stream does with them
    assert "$101,340" in turns[-1]["answer"]


def test_a_too_long_question_is_not_kept_in_the_session(page: Any) -> None:
    messages, turns, *_ = last_update(page, "x" * 1_000_000, [])
    assert turns[-1]["error"] and "the limit is 2,000" in turns[-1]["answer"]
    assert len(turns[-1]["question"]) < 500 and "(1,000,000 characters)" in turns[-1]["question"]
    assert len(json.dumps(messages)) < 5_000


def test_a_session_keeps_a_bounded_number_of_turns(page: Any) -> None:
    from careerbot.app.web import MAX_TURNS

    old = [{"question": f"q{i}", "answer": "a", "citations": [], "error": False, "n": i + 1}
           for i in range(MAX_TURNS + 50)]
    messages, turns, *_ = last_update(page, "Hello", old)
    assert len(turns) == MAX_TURNS and len(messages) == 2 * MAX_TURNS
    assert turns[-1]["n"] == MAX_TURNS + 51


def test_a_long_history_is_cut_not_crashed_on(bot: CareerBot) -> None:
    history = [("What about it?", "x" * 100_000)] * 5_000
    got = bot.ask("And in hospitals?", history)
    assert isinstance(got, Answer) and got.text


def test_answers_write_no_files(page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _m, turns, *_ = last_update(page, "How much do they earn?", [])
    _m, turns, _box, download = last_update(page, "And in hospitals?", turns)
    assert list(tmp_path.iterdir()) == [] and download.visible is True
    md = page.conversation(turns)  # only when Download is clicked, saved by the browser
    assert md.startswith("# careerbot conversation") and "$119,450" in md


# Feedback: one vote per answer per session


def test_a_second_vote_on_an_answer_replaces_the_first(page: Any, tmp_path: Path) -> None:
    page.feedback = FeedbackStore(tmp_path / "feedback.db")
    _m, turns, *_ = last_update(page, "How much do they earn?", [])
    _m, turns, *_ = last_update(page, "What is the job outlook?", turns)
    votes: dict[int, int] = {}
    rows_seen = set()
    for liked in (True, False, True, False):
        _s, row, _p, _g, votes = page.vote(turns, votes, SimpleNamespace(index=1, liked=liked))
        rows_seen.add(row)
    _s, other, _p, _g, votes = page.vote(turns, votes, SimpleNamespace(index=3, liked=True))
    assert len(rows_seen) == 1 and other != row
    assert page.add_comment("hm", other)[0].startswith("Thanks")
    rows = page.feedback.rows()
    assert [(r["question"], r["vote"]) for r in rows] == [
        ("How much do they earn?", -1), ("What is the job outlook?", 1)]
    assert rows[1]["comment"] == "hm"


def test_comments_are_cleaned_before_they_are_stored(page: Any, tmp_path: Path) -> None:
    page.feedback = FeedbackStore(tmp_path / "feedback.db")
    _m, turns, *_ = last_update(page, "How much do they earn?", [])
    _s, row, *_ = page.vote(turns, {}, SimpleNamespace(index=1, liked=True))
    assert page.add_comment("a\rb\x00\ud800", row)[0].startswith("Thanks")
    assert page.feedback.rows()[0]["comment"] == "a\nb\ufffd"
    assert page.add_comment("y" * 1_000_000, row)[0].startswith("Thanks")
    assert len(page.feedback.rows()[0]["comment"]) == MAX_COMMENT_CHARS


# Auth


def test_failed_logins_back_off_exponentially_per_address() -> None:
    throttle, now = LoginThrottle(), 1000.0
    for _ in range(FREE_LOGINS):
        assert throttle.wait("10.0.0.1", now) == 0
        throttle.failed("10.0.0.1", now)
    waits = []
    for _ in range(12):
        throttle.failed("10.0.0.1", now)
        waits.append(throttle.wait("10.0.0.1", now))
    assert waits[:4] == [1.0, 2.0, 4.0, 8.0] and waits[-1] == MAX_WAIT
    assert throttle.wait("10.0.0.2", now) == 0  # per address
    assert throttle.wait("10.0.0.1", now + MAX_WAIT) == 0
    throttle.succeeded("10.0.0.1")
    throttle.failed("10.0.0.1", now)
    assert throttle.wait("10.0.0.1", now) == 0


@pytest.fixture
def no_serving(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    from careerbot.app import web

    calls: list[Any] = []
    monkeypatch.setattr(web, "serve", lambda *a, **k: calls.append(a))
    return calls


def test_auth_on_the_command_line_of_a_shared_host_warns(no_serving: list[Any]) -> None:
    got = runner.invoke(cli.app, ["chat", "--host", "0.0.0.0", "--auth", "ann:pw"])
    assert got.exit_code == 0 and no_serving[0][3] == [("ann", "pw")]
    assert "warning: --auth puts the password in the process list" in got.output


def test_auth_from_the_environment_is_quiet(no_serving: list[Any]) -> None:
    got = runner.invoke(cli.app, ["chat", "--host", "0.0.0.0"], env={"CAREERBOT_AUTH": "ann:pw"})
    assert got.exit_code == 0 and no_serving[0][3] == [("ann", "pw")]
    assert "warning" not in got.output
    quiet = runner.invoke(cli.app, ["chat", "--auth", "ann:pw"])  # loopback: nobody else sees
    assert quiet.exit_code == 0 and "warning" not in quiet.output


def test_host_is_refused_before_heavy_imports() -> None:
    code = (
        "import sys\n"
        "from careerbot.app.cli import main\n"
        "try:\n    main(['chat', '--host', '0.0.0.0'])\nexcept SystemExit as e:\n    print(e.code)\n"
        "heavy = ('torch', 'chromadb', 'gradio', 'langchain_core', 'sentence_transformers', 'numpy')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert got.stdout.split("\n")[:2] == ["1", "[]"], got.stdout + got.stderr
    assert "Refusing to serve on 0.0.0.0" in got.stderr


# The server's door: body size, uploads, login throttling, a surrogate over the wire


@contextmanager
def launched(bot: CareerBot, home: Path, auth: list[tuple[str, str]] | None) -> Iterator[str]:
    """The chat app on a loopback port, in this process: its base URL."""
    from careerbot.app.web import build_app, launch_options

    demo = build_app(bot, Settings(corpus=CORPUS, home=home))
    port = free_port()
    demo.launch(**launch_options("127.0.0.1", port, auth))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        demo.close()


@pytest.fixture(scope="module")
def served(bot: CareerBot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with launched(bot, tmp_path_factory.mktemp("door") / "home", None) as url:
        yield url


HEAD = (b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n")
TAIL = b"\r\n--b--\r\n"


def upload_body(mib: int) -> Iterator[bytes]:
    """A multipart upload of ``mib`` MiB, made as it is sent."""
    yield HEAD
    block = b"x" * (1 << 20)
    for _ in range(mib):
        yield block
    yield TAIL


@pytest.mark.server
def test_a_200_mb_upload_is_refused(served: str) -> None:
    import httpx

    files = {"files": ("big.bin", b"x" * (2 << 20))}
    assert httpx.post(f"{served}/gradio_api/upload", files=files, timeout=30).status_code == 413
    size = len(HEAD) + (200 << 20) + len(TAIL)
    for declared in ({"content-length": str(size)}, {}):  # announced, and streamed unannounced
        headers = {"content-type": "multipart/form-data; boundary=b", **declared}
        try:
            got = httpx.post(f"{served}/gradio_api/upload", content=upload_body(200),
                             headers=headers, timeout=30)
        except httpx.TransportError:
            continue  # the server hung up on the body: refused as well
        assert got.status_code == 413
    small = httpx.post(f"{served}/gradio_api/upload", files={"files": ("a.txt", b"ok")}, timeout=30)
    assert small.status_code == 200  # the door is narrow, not shut


@pytest.mark.server
def test_failed_logins_are_throttled(bot: CareerBot, tmp_path: Path) -> None:
    import httpx

    with launched(bot, tmp_path / "home", [("ann", "s3cret")]) as url:
        wrong, right = ({"username": "ann", "password": p} for p in ("nope", "s3cret"))
        codes = [httpx.post(f"{url}/login", data=wrong).status_code for _ in range(FREE_LOGINS + 3)]
        assert codes[:FREE_LOGINS + 1] == [400] * (FREE_LOGINS + 1) and codes[-1] == 429
        late = httpx.post(f"{url}/login", data=right)
        assert late.status_code == 429 and int(late.headers["retry-after"]) >= 1


# Old index versions are closed


def swap(home: Path) -> None:
    """What `ingest --rebuild` ends with, minus the embedding: a copy published as new."""
    from careerbot.index.folder import FolderBackend

    backend = FolderBackend(home / "index")
    live = backend.current_version()
    assert live is not None
    manifest = backend.manifest(live)
    assert manifest is not None
    with backend.writer(), backend.build(live, manifest) as build:
        pass
    backend.publish(build, manifest, keep=(live,))


def open_files(folder: Path) -> list[str]:
    """Files this process holds open in ``folder`` (deleted ones end in " (deleted)")."""
    names = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            names.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return [n for n in names if n.startswith(str(folder))]


def rss_mib() -> float:
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # memory freed but kept by the allocator is not a leak
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("VmRSS")) / 1024


@pytest.mark.slow
def test_old_index_versions_are_closed_after_swaps(fresh_home: Path) -> None:
    bot = CareerBot(Settings(corpus=CORPUS, home=fresh_home))
    for _ in range(5):  # RSS settles over the first swaps (allocator and caches), then stays flat
        swap(fresh_home)
        assert "$101,340" in bot.ask("How much do they earn?").text
    files, start = len(open_files(fresh_home)), rss_mib()
    for _ in range(10):
        swap(fresh_home)
        assert "$101,340" in bot.ask("How much do they earn?").text
    live = str(fresh_home / "index" / bot.version())
    held = open_files(fresh_home)
    assert all(n.startswith(live) for n in held) and len(held) <= files + 2, held
    assert rss_mib() - start < 25  # about 4.5 MiB a swap before the fix


def sockets() -> int:
    """Sockets this process holds open (a client per version would add one per swap)."""
    return sum(os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
               for fd in os.listdir("/proc/self/fd") if os.path.exists(f"/proc/self/fd/{fd}"))


@pytest.mark.server
@pytest.mark.slow
def test_old_index_versions_are_closed_after_swaps_on_a_server(fresh_home: Path, tmp_path: Path) -> None:
    from test_server_mode import ChromaServer

    server = ChromaServer(tmp_path / "chroma", free_port())
    server.start()
    env = {**os.environ, "CAREERBOT_HOME": str(fresh_home), "CAREERBOT_CHROMA_URL": server.url,
           "CAREERBOT_CORPUS": str(CORPUS), "HF_HUB_OFFLINE": "1"}

    def swap_and_ask() -> None:  # `careerbot ingest --rebuild` in its own process, then a question
        done = subprocess.run([str(Path(sys.executable).with_name("careerbot")), "ingest", "--rebuild"],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "$101,340" in bot.ask("How much do they earn?").text

    try:
        bot = CareerBot(Settings(corpus=CORPUS, home=fresh_home, chroma_url=server.url))
        for _ in range(2):
            swap_and_ask()
        start = (len(os.listdir("/proc/self/fd")), sockets(), rss_mib())
        for _ in range(10):
            swap_and_ask()
        assert bot.version() == "v000012"
        assert len(os.listdir("/proc/self/fd")) <= start[0] + 2 and sockets() <= start[1] + 1
        assert rss_mib() - start[2] < 25
        backend = bot.store.backend
        assert isinstance(backend, ServerBackend)
        assert backend._versions() == ["v000011", "v000012"]  # older collections dropped on the server
    finally:
        server.kill()


def test_a_version_in_use_is_closed_when_its_question_finishes(fresh_home: Path) -> None:
    bot = CareerBot(Settings(corpus=CORPUS, home=fresh_home))
    with bot._pinned() as old:
        swap(fresh_home)
        assert bot.version() != old.index.version and old.retired
        assert old.retriever.search("median pay")  # still open for the question using it
    assert old.readers == 0 and old.index.closer() is None and bot.ask("Pay?").text


# A damaged index under a running chat


def test_damage_under_a_running_chat_says_how_to_fix_it(fresh_home: Path) -> None:
    from careerbot.app.web import ChatPage

    bot = CareerBot(Settings(corpus=CORPUS, home=fresh_home))
    page = ChatPage(bot, bot.settings)
    assert "$101,340" in last_update(page, "How much do they earn?", [])[1][-1]["answer"]
    live = fresh_home / "index" / bot.version()
    for f in live.rglob("*"):
        if f.is_file() and f.name != "manifest.json":
            f.write_bytes(b"\0" * 100)
    for _ in range(2):
        turn = last_update(page, "What is the job outlook?", [])[1][-1]
        assert turn["error"] and "Run `careerbot ingest --rebuild`" in turn["answer"]
    with pytest.raises(IndexIncompatible, match="ingest --rebuild"):
        bot.ask("What is the job outlook?")
    bot.ingest(rebuild=True, progress=False)
    assert "$101,340" in last_update(page, "How much do they earn?", [])[1][-1]["answer"]


# Statements with nothing to look up


@pytest.mark.parametrize("message", ["I have 2 kids", "I am 45", "We have 3 cats", "my dog has 3 legs"])
def test_a_number_without_content_words_is_declined(bot: CareerBot, message: str) -> None:
    got = bot.ask(message)
    assert got.kind == "decline" and got.refused and not got.citations


# In a real browser: the attack strings, sent as they arrive over the wire


SENT_AS = {"SWAP": IMAGE, "SURROGATE": "\ud800 How much do they earn?"}


@pytest.fixture
def tab(request: pytest.FixtureRequest, chat_server: tuple[str, Path]) -> Iterator[Any]:
    """A page that may only talk to the server; anything else is recorded and refused.
    Questions typed as keys of :data:`SENT_AS` are sent as its values: a textarea turns
    CR into LF and cannot hold a lone surrogate, a request can."""
    url, _home = chat_server
    pg = keep_on_server(request.getfixturevalue("browser").new_page(accept_downloads=True), url)

    def rewrite(r: Any) -> None:
        body = json.loads(r.request.post_data or "{}")
        body["data"] = [SENT_AS.get(d, d) if isinstance(d, str) else d for d in body.get("data", [])]
        r.continue_(post_data=json.dumps(body))

    pg.route("**/queue/join*", rewrite)
    pg.goto(url)
    pg.wait_for_selector("#facts dl", timeout=30_000)
    yield pg
    pg.close()


@pytest.fixture(scope="module")
def chat_server(built_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    from test_web import running_chat

    with running_chat(built_home, tmp_path_factory.mktemp("atk-browser")) as served:
        yield served


def browser_ask(pg: Any, question: str, expected: str) -> None:
    """Ask in the page and wait for the newest answer to hold ``expected`` (it streams in)."""
    pg.fill("#question textarea", question)
    pg.keyboard.press("Enter")
    pg.wait_for_function(
        "([n, want]) => { const a = document.querySelectorAll('#chat .cb-a');"
        " return a.length > n && a[a.length - 1].innerText.includes(want); }",
        arg=[pg.locator("#chat .cb-a").count(), expected], timeout=30_000)


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.slow
def test_carriage_returns_fetch_no_image_in_chromium(tab: Any) -> None:
    browser_ask(tab, "SWAP", "")  # any answer; the question bubble is what is checked
    tab.wait_for_timeout(1000)
    assert "![p](http://evil.example/t.png)" in tab.locator("#chat").inner_text()
    assert tab.locator("#chat img").count() == 0 and tab.outside == []


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.slow
def test_download_saves_the_conversation_from_the_browser(tab: Any, tmp_path: Path) -> None:
    browser_ask(tab, "How much do medical and health services managers earn?", "$101,340")
    with tab.expect_download(timeout=30_000) as got:
        tab.locator("#download").click()
    saved = tmp_path / "conversation.md"
    got.value.save_as(saved)
    text = saved.read_text()
    assert text.startswith("# careerbot conversation") and "$101,340" in text


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.slow
def test_a_lone_surrogate_over_the_wire_leaves_the_session_answering(tab: Any) -> None:
    browser_ask(tab, "SURROGATE", "$101,340")
    browser_ask(tab, "What about in hospitals?", "$119,450")  # same session, with its history

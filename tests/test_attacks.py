"""Hostile or careless input (issue 14): each test names the hole it keeps closed."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careerbot.app import cli
from careerbot.app.access import parse_auth
from careerbot.app.feedback import MAX_COMMENT_CHARS, FeedbackStore
from careerbot.config import Settings
from careerbot.corpus import load_documents
from careerbot.errors import ConfigError, FeedbackStoreError
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


def test_a_vote_on_a_damaged_feedback_db_says_it_was_not_saved(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from careerbot.app.web import ChatPage

    page = ChatPage.__new__(ChatPage)  # only the feedback store is needed here
    home = tmp_path / "home"
    home.mkdir()
    (home / "feedback.db").write_bytes(b"this is not a database" * 100)
    page.feedback = FeedbackStore(home / "feedback.db")
    turns = [{"question": "Pay?", "answer": "A [1].", "citations": [], "error": False}]
    status, row, _prompt, comment_box = page.vote(turns, SimpleNamespace(index=1, liked=True))
    assert status.startswith("Your vote was not saved") and row is None
    assert comment_box.visible is False  # no comment prompt for a vote that was not stored
    assert page.add_comment("hello", 1)[0].startswith("Your comment was not saved")

"""Feedback in SQLite: one transaction per write, WAL, and `careerbot feedback export`."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careerbot import __version__
from careerbot.app.cli import app
from careerbot.app.feedback import COLUMNS, FeedbackStore
from careerbot.errors import ConfigError

CITES = [{"n": 1, "section": "Pay", "quote": "The median annual wage ... was $101,340."}]


def store_with_rows(path: Path) -> FeedbackStore:
    store = FeedbackStore(path)
    store.record("How much?", [], "It is $101,340. [1]", CITES, 1)
    store.record("And in hospitals?", [("How much?", "It is $101,340. [1]")], "$119,450 [1]", CITES,
                 -1, "  too short  ")
    return store


def test_rows_round_trip_with_every_column(tmp_path: Path) -> None:
    store = store_with_rows(tmp_path / "home" / "feedback.db")
    first, second = store.rows()
    assert list(first) == list(COLUMNS)
    assert (first["question"], first["vote"], first["comment"]) == ("How much?", 1, "")
    assert first["citations"] == CITES and first["app_version"] == __version__
    assert second["history"] == [["How much?", "It is $101,340. [1]"]]
    assert (second["vote"], second["comment"]) == (-1, "too short")
    assert second["timestamp"].endswith("+00:00")


def test_wal_mode_and_comment_update(tmp_path: Path) -> None:
    path = tmp_path / "feedback.db"
    store = store_with_rows(path)
    assert store.comment(1, "great") and not store.comment(99, "nope")
    assert store.rows()[0]["comment"] == "great"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_bad_vote_writes_nothing(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.db")
    with pytest.raises(ValueError):
        store.record("q", [], "a", [], 0)
    assert store.rows() == []


def test_export_formats(tmp_path: Path) -> None:
    store = store_with_rows(tmp_path / "feedback.db")
    out = io.StringIO()
    assert store.export(out, "jsonl") == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["vote"] for r in lines] == [1, -1]
    out = io.StringIO()
    store.export(out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[1]["question"] == "And in hospitals?"
    assert json.loads(rows[1]["citations"]) == CITES
    with pytest.raises(ConfigError, match="csv, jsonl"):
        store.export(io.StringIO(), "xml")


def test_cli_export(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store_with_rows(home / "feedback.db")
    runner = CliRunner()
    got = runner.invoke(app, ["feedback", "export", "--home", str(home), "--format", "jsonl"])
    assert got.exit_code == 0, got.output
    assert [json.loads(x)["question"] for x in got.stdout.splitlines()] == [
        "How much?", "And in hospitals?"]
    got = runner.invoke(app, ["feedback", "export", "--home", str(home)])
    assert got.stdout.splitlines()[0] == ",".join(COLUMNS)
    got = runner.invoke(app, ["feedback", "export", "--home", str(home), "--format", "xml"])
    assert got.exit_code == 1
    empty = runner.invoke(app, ["feedback", "export", "--home", str(tmp_path / "none")])
    assert empty.exit_code == 0 and empty.stdout.strip() == ",".join(COLUMNS)


def test_report_counts_by_section_and_kind_and_lists_complaints(tmp_path: Path) -> None:
    from careerbot.app.feedback_report import render, summarize

    home = tmp_path / "home"
    store = store_with_rows(home / "feedback.db")  # one up, one down (no kind recorded)
    two = CITES + [{"n": 2, "section": "Job Outlook", "quote": "28 percent"}]
    store.record("Outlook?", [], "Grows 28 percent [2].", two, -1, "cite the table", kind="answer")
    store.record("Hello", [], "Hi!", [], 1, kind="smalltalk")
    report = summarize(store.rows())
    assert (report.total.up, report.total.down) == (2, 2)
    assert (report.by_section["Pay"].up, report.by_section["Pay"].down) == (1, 2)
    assert report.by_section["Job Outlook"].down == 1 and report.by_section["(no sources)"].up == 1
    assert report.by_kind["answer"].total == 3 and report.by_kind["smalltalk"].up == 1
    text = render(report)
    assert text.startswith("4 votes: 2 up, 2 down.")
    assert text.index("'Outlook?'") < text.index("'And in hospitals?'")  # newest first
    assert "comment: cite the table" in text and "comment: too short" in text

    result = CliRunner().invoke(app, ["feedback", "report", "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert "Section cited" in result.output and "Answer kind" in result.output
    chart = home / "feedback-report.png"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_on_no_feedback_and_an_old_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["feedback", "report", "--home", str(tmp_path)])
    assert result.exit_code == 0 and "No feedback yet" in result.output
    assert not (tmp_path / "feedback-report.png").exists()
    old = tmp_path / "old.db"  # a database written before the kind column existed
    with sqlite3.connect(old) as conn:
        conn.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp TEXT "
                     "NOT NULL, app_version TEXT NOT NULL, question TEXT NOT NULL, history TEXT NOT "
                     "NULL, answer TEXT NOT NULL, citations TEXT NOT NULL, vote INTEGER NOT NULL, "
                     "comment TEXT NOT NULL DEFAULT '')")
        conn.execute("INSERT INTO feedback VALUES (1, 't', 'v', 'q', '[]', 'a', '[]', -1, '')")
    store = FeedbackStore(old)
    store.record("new", [], "b", [], 1, kind="refusal")
    assert [r["kind"] for r in store.rows()] == ["", "refusal"]

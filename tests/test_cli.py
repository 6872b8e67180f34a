"""The command line: answers with sources, JSON, and one-line errors with exit code 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from typer.testing import CliRunner

from careerbot.app.cli import app

runner = CliRunner()


@pytest.fixture
def env_home(built_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAREERBOT_HOME", str(built_home))
    return built_home


def test_ask_prints_answer_and_sources(env_home: Path) -> None:
    result = runner.invoke(app, ["ask", "How much do managers in hospitals earn?"])
    assert result.exit_code == 0, result.output
    assert "$119,450 [1]" in result.output
    assert "Sources" in result.output and "[1] Pay:" in result.output


def test_ask_json(env_home: Path) -> None:
    result = runner.invoke(app, ["ask", "How many jobs were there in 2021?", "--json"])
    data = json.loads(result.output)
    assert "480,700" in data["text"] and data["citations"][0]["section"] == "Work Environment"


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "empty"), ("   \n ", "empty"), ("x" * 2001, "limit is 2,000")],
)
def test_bad_questions(env_home: Path, question: str, message: str) -> None:
    result = runner.invoke(app, ["ask", question])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_corpus_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", "--corpus", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert "does not exist" in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_non_utf8_corpus_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00 not text")
    result = runner.invoke(app, ["ingest", "--corpus", str(tmp_path), "--home", str(tmp_path / "h")])
    assert result.exit_code == 1
    assert "bad.txt" in result.output and "UTF-8" in result.output


def test_incompatible_index_tells_how_to_rebuild(fresh_home: Path) -> None:
    version = (fresh_home / "index" / "CURRENT").read_text().strip()
    (fresh_home / "index" / version / "manifest.json").write_text("{not json")
    result = runner.invoke(app, ["ingest", "--home", str(fresh_home)])
    assert result.exit_code == 0
    assert "Rebuilding the index" in result.output


def test_help_teaches() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ask", "ingest", "eval", "chat", "settings"):
        assert command in result.output


@pytest.mark.slow
def test_cold_process_answers(env_home: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "careerbot.app.cli", "ask", "What is the median pay?"],
        capture_output=True, text=True, timeout=120, env={**os.environ},
    )
    assert run.returncode == 0, run.stderr
    assert "$101,340" in run.stdout


@pytest.mark.slow
def test_eval_smoke_json_end_to_end(env_home: Path) -> None:
    result = runner.invoke(app, ["eval", str(REPO / "evals" / "smoke.jsonl"), "--json",
                                 "--fail-under", "fact_recall=0.9"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["n"] == 12 and data["forbidden_violations"] == 0
    assert data["fact_recall"] >= 0.9 and data["refusal_accuracy"] == 1.0
    by_id = {r["id"]: r for r in data["per_question"]}
    assert all(r["error"] is None for r in by_id.values())
    assert any(r["refused"] for r in by_id.values())

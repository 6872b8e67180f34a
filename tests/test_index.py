"""Ingest: incremental, atomic under crashes, single writer; chunking rules."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS

from careerbot import CareerBot, CorpusError, IndexBusy
from careerbot.config import Settings
from careerbot.core.chunking import chunk_document, sections
from careerbot.corpus import load_documents
from careerbot.index.store import IndexStore
from careerbot.models.embeddings import LocalEmbeddings


def store_for(home: Path, corpus: Path = CORPUS) -> IndexStore:
    settings = Settings(corpus=corpus, home=home)
    return IndexStore(settings, LocalEmbeddings(settings.model_dir))


def test_sections_are_detected_not_hard_coded() -> None:
    doc = load_documents(CORPUS)[0]
    names = [name for name, _ in sections(doc)]
    for expected in ("Duties", "Work Environment", "Licenses, Certifications, and Registrations",
                     "Pay", "Job Outlook", "For More Information", "FAQ"):
        assert expected in names
    # organisation names listed under "For More Information" are not headings
    assert "American College of Healthcare Executives" not in names


def test_chunks_fit_the_window_and_keep_their_section() -> None:
    emb = LocalEmbeddings(Settings().model_dir)
    doc = load_documents(CORPUS)[0]
    chunks = chunk_document(doc, emb.count_tokens)
    assert all(emb.count_tokens(c.embed_text) <= 256 for c in chunks)
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert doc.text[c.passage_start : c.passage_end] == c.passage
    pay = [c for c in chunks if "$119,450" in c.text]
    assert [c.section for c in pay] == ["Pay"]
    assert pay[0].lead.endswith("were as follows:")


def test_long_text_is_split_not_truncated(tmp_path: Path) -> None:
    emb = LocalEmbeddings(Settings().model_dir)
    (tmp_path / "long.md").write_text("# Long\n\nIntro\n\n" + "word " * 900 + "end.\n")
    doc = load_documents(tmp_path)[0]
    chunks = chunk_document(doc, emb.count_tokens)
    assert len(chunks) > 3
    assert all(emb.count_tokens(c.embed_text) <= 256 for c in chunks)
    assert sum(c.text.count("word") for c in chunks) == 900


def test_citation_spans_point_into_the_source(bot: CareerBot) -> None:
    text = (CORPUS / "medical-and-health-services-managers.txt").read_text()
    answer = bot.ask("How much do managers in hospitals earn?")
    c = answer.citations[0]
    assert "$119,450" in text[c.start : c.end]


def test_noop_reingest_embeds_nothing(fresh_home: Path) -> None:
    report = store_for(fresh_home).ingest(progress=False)
    assert report.embedded == 0
    assert report.added == report.removed == report.updated == 0
    assert report.unchanged > 100


def test_edit_embeds_only_the_changed_chunk(fresh_home: Path, corpus_copy: Path) -> None:
    path = corpus_copy / "medical-and-health-services-managers.txt"
    path.write_text(path.read_text().replace("$101,340", "$111,111"))
    store = store_for(fresh_home, corpus_copy)
    report = store.ingest(progress=False)
    assert report.embedded == 1 and report.added == 1 and report.removed == 1
    bot = CareerBot(Settings(corpus=corpus_copy, home=fresh_home))
    assert "$111,111" in bot.ask("What is the median pay?").text


def test_removed_document_is_deleted(fresh_home: Path, corpus_copy: Path) -> None:
    (corpus_copy / "extra.md").write_text("# Astronaut\n\nPay\n\nThe median pay for astronauts was $1.\n")
    store = store_for(fresh_home, corpus_copy)
    added = store.ingest(progress=False)
    assert added.embedded == 1
    (corpus_copy / "extra.md").unlink()
    removed = store.ingest(progress=False)
    assert removed.removed == 1 and removed.embedded == 0


def _crash_during_add(home: str) -> None:
    """Runs in a child process: start a rebuild and die hard half-way through embedding."""
    store = store_for(Path(home))
    original = store.embeddings.encode

    def dying(texts: list[str], progress: bool = False):  # type: ignore[no-untyped-def]
        vectors = original(texts)
        os.kill(os.getpid(), signal.SIGKILL)
        return vectors

    store.embeddings.encode = dying  # type: ignore[method-assign]
    store.ingest(rebuild=True, progress=False)


def test_crash_mid_ingest_leaves_old_index_answering(fresh_home: Path) -> None:
    before = store_for(fresh_home).current_version()
    child = multiprocessing.get_context("spawn").Process(target=_crash_during_add, args=(str(fresh_home),))
    child.start()
    child.join(120)
    assert child.exitcode == -signal.SIGKILL
    assert store_for(fresh_home).current_version() == before
    bot = CareerBot(Settings(corpus=CORPUS, home=fresh_home))
    assert "$101,340" in bot.ask("What is the median pay?").text
    report = store_for(fresh_home).ingest(rebuild=True, progress=False)  # the next ingest completes
    assert report.version != before


def test_second_concurrent_ingest_fails_cleanly(fresh_home: Path) -> None:
    from filelock import FileLock

    with FileLock(str(fresh_home / "index" / "ingest.lock")):
        start = time.monotonic()
        with pytest.raises(IndexBusy, match="being updated"):
            store_for(fresh_home).ingest(progress=False)
        assert time.monotonic() - start < 5


@pytest.mark.slow
def test_cli_second_ingest_reports_busy(fresh_home: Path) -> None:
    from filelock import FileLock

    env = {**os.environ, "CAREERBOT_HOME": str(fresh_home)}
    with FileLock(str(fresh_home / "index" / "ingest.lock")):
        run = subprocess.run([sys.executable, "-m", "careerbot.app.cli", "ingest"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "being updated" in run.stderr
    assert "Traceback" not in run.stderr


def test_empty_or_missing_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_documents(tmp_path / "nope")
    with pytest.raises(CorpusError, match="no non-empty"):
        load_documents(tmp_path)


def test_non_utf8_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 managers".encode("latin-1"))
    with pytest.raises(CorpusError, match="latin1.txt"):
        load_documents(tmp_path)


@pytest.mark.parametrize(("key", "other"), [("model", "some-other-model"), ("lexicon", "0123456789ab")])
def test_model_or_word_list_mismatch_triggers_rebuild(fresh_home: Path, key: str, other: str) -> None:
    """Another model, or other concept/stop-word lists (the keyword index stores terms made
    with them), make the stored version stale: it is rebuilt, not silently mixed."""
    import json

    store = store_for(fresh_home)
    version = store.current_version()
    assert version
    manifest = fresh_home / "index" / version / "manifest.json"
    data = json.loads(manifest.read_text())
    data[key] = other
    manifest.write_text(json.dumps(data))
    assert key in (store.problem() or "")
    report = store.ingest(progress=False)
    assert key in report.rebuilt_because
    assert report.embedded == report.added > 100
    assert store.problem() is None

"""Index behaviour that matters at scale: no re-chunking, paged reads, the 1,000-chunk run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import careerbot.index.base as base_module
import careerbot.index.store as store_module
from careerbot import CareerBot, Settings
from careerbot.core.keywords import KeywordIndex
from careerbot.index.store import IndexStore
from careerbot.models.embeddings import LocalEmbeddings


def test_unchanged_files_are_not_rechunked(fresh_home: Path, corpus_copy: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(corpus=corpus_copy, home=fresh_home)
    store = IndexStore(settings, LocalEmbeddings(settings.model_dir))
    seen: list[str] = []
    real = store_module.chunk_stream

    def counting(source: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(store_module, "chunk_stream", counting)
    before = store.current_version()
    assert store.ingest(progress=False).version == before and seen == []
    (corpus_copy / "extra.md").write_text("# Extra\n\nPay\n\nThe extra job pays $1 a day.\n")
    report = store.ingest(progress=False)
    assert seen == ["extra.md"] and report.added == report.embedded == 1
    assert report.version != before and side_files_match_chroma(store)
    (corpus_copy / "extra.md").unlink()
    report = store.ingest(progress=False)
    assert (report.removed, report.embedded, seen) == (1, 0, ["extra.md"])
    assert side_files_match_chroma(store)


def side_files_match_chroma(store: IndexStore) -> bool:
    """The stored chunks and BM25 equal what reading Chroma and rebuilding BM25 gives."""
    opened = store.open()
    read = base_module.read_index(opened.collection, opened.version, opened.client)
    rebuilt = KeywordIndex([c.embed_text for c in read.chunks]).arrays
    assert opened.keywords is not None
    stored = opened.keywords.arrays
    return (read.ids == opened.ids and read.chunks == opened.chunks and stored.terms == rebuilt.terms
            and all(np.array_equal(getattr(stored, a), getattr(rebuilt, a))
                    for a in ("offsets", "ids", "weights")))


def test_index_is_read_in_pages(fresh_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks read from Chroma page by page (one ``get`` fails at 100k) equal the side files."""
    settings = Settings(home=fresh_home)
    store = IndexStore(settings, LocalEmbeddings(settings.model_dir))
    total = len(store.open().ids)
    monkeypatch.setattr(base_module, "PAGE", 7)
    calls: list[int] = []
    real = base_module.pages

    def counting(*args: Any, **kwargs: Any) -> Any:
        for page in real(*args, **kwargs):
            calls.append(len(page["ids"]))
            yield page

    monkeypatch.setattr(base_module, "pages", counting)
    assert side_files_match_chroma(store)
    assert len(calls) == -(-total // 7) and max(calls) == 7
    answer = CareerBot(settings).ask("What is the median pay for medical and health services managers?")
    assert "$101,340" in answer.text and answer.citations[0].section == "Pay"


@pytest.mark.slow
def test_scale_benchmark_at_1000_chunks(tmp_path: Path) -> None:
    """The CI size of ``benchmarks/bench_scale.py``: every marker question answered right.

    Its speed and memory targets are read from the printed table, not asserted here.
    """
    out = tmp_path / "scale.json"
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_scale.py"
    cmd = [sys.executable, str(script), "--chunks", "1000", "--queries", "60", "--json", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    (row,) = json.loads(out.read_text())
    assert row["chunks"] >= 1000 and row["embedded"] == row["chunks"]
    assert row["accuracy"] >= 0.95 and row["queries"] == 60
    assert "| chunks |" in done.stdout

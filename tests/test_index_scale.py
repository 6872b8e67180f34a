"""Index behaviour that matters at scale: unchanged files are not re-chunked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import careerbot.index as index_module
from careerbot import Settings
from careerbot.embed import LocalEmbeddings
from careerbot.index import IndexStore


def test_unchanged_files_are_not_rechunked(fresh_home: Path, corpus_copy: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(corpus=corpus_copy, home=fresh_home)
    store = IndexStore(settings, LocalEmbeddings(settings.model_dir))
    seen: list[str] = []
    real = index_module.chunk_document

    def counting(doc: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(doc.source)
        return real(doc, *args, **kwargs)

    monkeypatch.setattr(index_module, "chunk_document", counting)
    before = store.current_version()
    assert store.ingest(progress=False).version == before and seen == []
    (corpus_copy / "extra.md").write_text("# Extra\n\nPay\n\nThe extra job pays $1 a day.\n")
    report = store.ingest(progress=False)
    assert seen == ["extra.md"] and report.added == report.embedded == 1
    assert report.version != before
    (corpus_copy / "extra.md").unlink()
    report = store.ingest(progress=False)
    assert (report.removed, report.embedded, seen) == (1, 0, ["extra.md"])

"""Side files written as the chunks come: rows with references, BM25 from a temporary file."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS

from careerbot.core.chunking import Chunk, chunk_document
from careerbot.core.keywords import KeywordArrays
from careerbot.corpus import load_documents
from careerbot.errors import IndexIncompatible
from careerbot.index import sidecar
from careerbot.index.base import Record, with_ids


def corpus_chunks() -> list[tuple[str, Chunk]]:
    doc = load_documents(CORPUS)[0]
    return list(with_ids(chunk_document(doc, lambda text: len(text.split()))))


def build(folder: Path, base: Path | None, add: list[tuple[str, Chunk]], update: list[tuple[str, Chunk]] = (),
          delete: list[str] = ()) -> int:
    folder.mkdir()
    side = sidecar.Builder(folder, base)
    side.add([Record(cid, c) for cid, c in add])
    side.update([Record(cid, c) for cid, c in update])
    side.delete(list(delete))
    return side.finish()


def same_arrays(a: KeywordArrays, b: KeywordArrays) -> bool:
    return (a.n, a.terms, a.words) == (b.n, b.terms, b.words) and all(
        np.array_equal(getattr(a, name), getattr(b, name)) for name in ("offsets", "ids", "weights"))


def test_rows_round_trip_and_share_repeated_strings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sidecar, "TRIPLES", 30)  # many blocks of postings through the temporary file
    chunks = corpus_chunks()
    assert build(tmp_path / "v", None, chunks) == len(chunks)
    ids, read = sidecar.read_chunks(tmp_path / "v")
    assert list(zip(ids, read, strict=True)) == chunks == list(sidecar.rows_of(tmp_path / "v"))
    passages = {c.passage for c in read}
    assert len({id(c.passage) for c in read}) == len(passages) < len(read)  # one copy each
    stored = sidecar.read_keywords(tmp_path / "v").arrays
    assert same_arrays(stored, KeywordArrays.build([c.embed_text for c in read]))


def test_strings_are_written_again_past_lookback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sidecar, "LOOKBACK", 4)
    monkeypatch.setattr(sidecar, "RING", 4 + len(sidecar.TEXT))
    chunks = corpus_chunks()[:60]
    build(tmp_path / "v", None, chunks)
    assert list(sidecar.rows_of(tmp_path / "v")) == chunks
    assert sidecar.read_chunks(tmp_path / "v") == ([i for i, _ in chunks], [c for _, c in chunks])
    strings = (tmp_path / "v" / sidecar.STRINGS).read_text().splitlines()
    assert strings.count(json.dumps(chunks[0][1].title)) > 1  # the title again, every few rows


def test_an_incremental_build_keeps_base_order_updates_in_place_and_appends(tmp_path: Path) -> None:
    chunks = corpus_chunks()
    base, extra = chunks[:100], chunks[100:]
    build(tmp_path / "v1", None, base)
    moved = dataclasses.replace(base[5][1], start=base[5][1].start + 1)
    build(tmp_path / "v2", tmp_path / "v1", extra, update=[(base[5][0], moved)], delete=[base[0][0]])
    want = [*base[1:5], (base[5][0], moved), *base[6:], *extra]
    assert list(sidecar.rows_of(tmp_path / "v2")) == want
    assert same_arrays(sidecar.read_keywords(tmp_path / "v2").arrays,
                       KeywordArrays.build([c.embed_text for _, c in want]))


def test_an_empty_version_has_empty_side_files(tmp_path: Path) -> None:
    assert build(tmp_path / "v", None, []) == 0
    assert sidecar.read_chunks(tmp_path / "v") == ([], [])
    assert sidecar.read_keywords(tmp_path / "v").search(["pay"], 3) == []


@pytest.mark.parametrize(("row", "strings"), [
    ('["a", 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, false]', ""),  # no such string
    ('["a", 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, -1, false]', '"s"'),  # refers before the first
    ('["a", 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, false]', '"s"'),  # a field missing
    ('["a", 0, 0, 0, 0, 1, "t", 0, 0, 0, 1, 0, false]', '"s"'),  # a string where its index goes
])
def test_a_damaged_row_is_a_damaged_index(tmp_path: Path, row: str, strings: str) -> None:
    (tmp_path / sidecar.CHUNKS).write_text(row + "\n")
    (tmp_path / sidecar.STRINGS).write_text(strings + "\n")
    with pytest.raises(IndexIncompatible, match="ingest --rebuild"):
        list(sidecar.rows_of(tmp_path))
    if "-1" not in row:  # opening checks what Python's indexing checks
        with pytest.raises(IndexIncompatible, match="ingest --rebuild"):
            sidecar.read_chunks(tmp_path)

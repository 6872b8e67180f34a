"""Files written beside a version's Chroma folder, so opening it rebuilds nothing.

Reading chunks back from Chroma rebuilds 12 metadata fields per record, and BM25 was
rebuilt from every text on each open: 22 s at 100,000 chunks. A version folder therefore
also holds, written with it and never changed::

    chunks.jsonl       one JSON row per chunk, in the positions' order (see ROW)
    keywords.json      BM25's chunk count, terms and corpus words
    keywords-*.npy     BM25's postings (offsets, chunk positions, weights), memory-mapped

Both are written as the chunks come, so an ingest holds neither all chunks nor all
postings: rows go to disk batch by batch, and BM25 is counted in one pass over the
finished rows, its postings kept in a temporary file and placed into memory-mapped arrays.
A missing or unreadable file means a damaged version (``ingest --rebuild`` fixes it).
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from tempfile import TemporaryFile
from typing import IO, Any

import numpy as np

from careerbot.core.chunking import Chunk
from careerbot.core.keywords import KeywordArrays, KeywordCounts, KeywordIndex
from careerbot.index.base import Record, damaged

CHUNKS = "chunks.jsonl"
KEYWORDS = "keywords.json"
ARRAYS = ("offsets", "ids", "weights")
ROW = ("id", "text", "start", "end", "passage_start", "passage_end", "lede",
       "source", "title", "section", "lead", "kind", "passage")
SHARED = 7
"""Row fields from here on repeat between chunks (a passage is shared by its sentences):
each is its string, or ``k`` for "as in the row ``k`` rows above", at most LOOKBACK above."""
LOOKBACK = 16_384
TRIPLES = 3 << 18  # postings buffered between writes to the temporary file (3 MiB)


class RowWriter:
    """Writes chunk rows to a file, repeated strings as references to a recent row."""

    def __init__(self, file: IO[str]) -> None:
        self.file = file
        self.count = 0
        self._seen: dict[tuple[int, str], int] = {}

    def write(self, cid: str, c: Chunk) -> None:
        """Append one chunk's row."""
        row: list[Any] = [cid, c.text, c.start, c.end, c.passage_start, c.passage_end, c.lede]
        for field in range(SHARED, len(ROW)):
            value = getattr(c, ROW[field])
            before = self._seen.get((field, value))
            row.append(self.count - before if before is not None and self.count - before <= LOOKBACK
                       else value)
            self._seen[field, value] = self.count
        if len(self._seen) > 4 * LOOKBACK:
            self._seen.clear()  # bounded: strings far back would not be referred to anyway
        self.file.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.count += 1


class Builder:
    """The side files of a version being built: follows its writes, writes the files at the end.

    New chunks are written as rows the moment they are stored; metadata updates and
    deletions of ``base``'s chunks are applied when ``base``'s rows are streamed into the
    new file ahead of them (only updated chunks are held until then).
    """

    def __init__(self, folder: Path, base: Path | None) -> None:
        self.folder = folder
        self.base = base
        self._new_path = folder / (CHUNKS + ".new")
        self._new = RowWriter(open(self._new_path, "w", encoding="utf-8"))
        self._updated: dict[str, Chunk] = {}
        self._deleted: set[str] = set()

    def add(self, records: Sequence[Record]) -> None:
        """New chunks, in the order they are stored."""
        for r in records:
            self._new.write(r.id, r.chunk)

    def update(self, records: Sequence[Record]) -> None:
        """Chunks of ``base`` whose metadata changed."""
        self._updated.update((r.id, r.chunk) for r in records)

    def delete(self, ids: Sequence[str]) -> None:
        """Chunks of ``base`` that are gone."""
        self._deleted.update(ids)

    def finish(self) -> int:
        """Write ``chunks.jsonl`` (``base``'s rows, then the new ones) and BM25; the row count."""
        self._new.file.close()
        path = self.folder / CHUNKS
        if self.base is None:
            os.replace(self._new_path, path)
        else:
            with open(path.with_name(CHUNKS + ".tmp"), "w", encoding="utf-8") as out:
                rows = RowWriter(out)
                for cid, chunk in rows_of(self.base):
                    if cid not in self._deleted:
                        rows.write(cid, self._updated.pop(cid, chunk))
                if self._updated:
                    raise damaged(str(self.base), KeyError(next(iter(self._updated))))
                with open(self._new_path, encoding="utf-8") as new:
                    out.writelines(new)  # references are relative, so they hold after a prefix
            os.replace(path.with_name(CHUNKS + ".tmp"), path)
            self._new_path.unlink()
        return write_keywords(self.folder, (c.embed_text for _, c in rows_of(self.folder)))

    def abandon(self) -> None:
        """Close the open file (the folder is then deleted with the unpublished build)."""
        self._new.file.close()


def write_keywords(folder: Path, texts: Iterator[str]) -> int:
    """BM25 over ``texts`` in one pass: postings kept in a temporary file, then placed in
    memory-mapped arrays; returns the number of texts."""
    counts, triples = KeywordCounts(), array("i")
    with TemporaryFile(dir=folder) as tmp:
        for text in texts:
            counts.add(text, triples)
            if len(triples) >= TRIPLES:
                triples.tofile(tmp)
                del triples[:]
        triples.tofile(tmp)
        del triples[:]
        tmp.flush()
        tmp.seek(0)
        ids, weights = (np.lib.format.open_memmap(folder / f"keywords-{name}.npy", mode="w+", dtype=dtype,
                                                  shape=(counts.postings,))
                        for name, dtype in (("ids", np.int32), ("weights", np.float32)))

        def blocks() -> Iterator[np.ndarray]:
            while (block := np.fromfile(tmp, dtype=np.int32, count=TRIPLES)).size:
                yield block.reshape(-1, 3)

        arrays = counts.arrays(blocks(), ids, weights)
    ids.flush()
    weights.flush()
    np.save(folder / "keywords-offsets.npy", arrays.offsets)
    (folder / KEYWORDS).write_text(json.dumps({"n": arrays.n, "terms": arrays.terms, "words": arrays.words},
                                              ensure_ascii=False))
    return arrays.n


def read_chunks(folder: Path) -> tuple[list[str], list[Chunk]]:
    """Ids and chunks of a version, read at once; repeated strings share one copy."""
    try:
        text = (folder / CHUNKS).read_text(encoding="utf-8")
        rows = json.loads("[" + text.rstrip("\n").replace("\n", ",") + "]")
        for i, row in enumerate(rows):
            for field in range(SHARED, len(ROW)):
                if type(row[field]) is int:
                    row[field] = rows[_above(i, row[field])][field]
        return [r[0] for r in rows], [_chunk(r) for r in rows]
    except (OSError, KeyError, IndexError, TypeError, ValueError) as e:
        raise damaged(str(folder), e) from e


def rows_of(folder: Path) -> Iterator[tuple[str, Chunk]]:
    """Each (id, chunk) of a version in order, holding only the last LOOKBACK rows."""
    recent: list[list[Any]] = [[]] * LOOKBACK
    try:
        with open(folder / CHUNKS, encoding="utf-8") as f:
            for i, line in enumerate(f):
                row = json.loads(line)
                for field in range(SHARED, len(ROW)):
                    if type(row[field]) is int:
                        row[field] = recent[_above(i, row[field]) % LOOKBACK][field]
                recent[i % LOOKBACK] = row
                yield row[0], _chunk(row)
    except (OSError, KeyError, IndexError, TypeError, ValueError) as e:
        raise damaged(str(folder), e) from e


def _above(i: int, k: int) -> int:
    """The row that row ``i``'s reference ``k`` names."""
    if not 0 < k <= min(i, LOOKBACK):
        raise ValueError(f"row {i} refers {k} rows above")
    return i - k


def _chunk(r: list[Any]) -> Chunk:
    if not isinstance(r[0], str) or not isinstance(r[1], str):
        raise TypeError("id and text must be strings")
    # Positional, in Chunk's field order.
    return Chunk(r[7], r[8], r[9], r[2], r[3], r[1], r[10], r[11], r[4], r[5], r[12], r[6])


def read_keywords(folder: Path) -> KeywordIndex:
    """The version's BM25 index, its postings memory-mapped."""
    try:
        data = json.loads((folder / KEYWORDS).read_text())
        arrays = {name: np.load(folder / f"keywords-{name}.npy", mmap_mode="r") for name in ARRAYS}
        stored = KeywordArrays(int(data["n"]), list(data["terms"]), words=list(data["words"]), **arrays)
    except (OSError, KeyError, TypeError, ValueError) as e:
        raise damaged(str(folder), e) from e
    if len(stored.offsets) != len(stored.terms) + 1 or len(stored.ids) != len(stored.weights):
        raise damaged(str(folder), ValueError("keyword arrays differ in length"))
    return KeywordIndex.from_arrays(stored)

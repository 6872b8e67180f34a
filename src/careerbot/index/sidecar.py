"""Files written beside a version's Chroma folder, so opening it rebuilds nothing.

Reading chunks back from Chroma rebuilds 12 metadata fields per record, and BM25 was
rebuilt from every text on each open: 22 s at 100,000 chunks. A version folder therefore
also holds, written with it and never changed::

    chunks.json        ids in Chroma's order, a table of distinct strings, one row per chunk
    keywords.json      BM25's chunk count, terms and corpus words
    keywords-*.npy     BM25's postings (offsets, chunk positions, weights), memory-mapped

A missing or unreadable file means a damaged version (``ingest --rebuild`` fixes it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from careerbot.core.chunking import Chunk
from careerbot.core.keywords import KeywordArrays, KeywordIndex
from careerbot.index.base import damaged

CHUNKS = "chunks.json"
KEYWORDS = "keywords.json"
ARRAYS = ("offsets", "ids", "weights")
_TEXT = ("source", "title", "section", "text", "lead", "kind", "passage")
_NUMBER = ("start", "end", "passage_start", "passage_end", "lede")  # stored as JSON numbers and a bool


def write(folder: Path, ids: Sequence[str], chunks: Sequence[Chunk]) -> None:
    """Store the chunks (in ``ids`` order, which is the positions' order) and their BM25 data."""
    strings: dict[str, int] = {}
    rows = [[strings.setdefault(getattr(c, f), len(strings)) for f in _TEXT]
            + [getattr(c, f) for f in _NUMBER] for c in chunks]
    (folder / CHUNKS).write_text(json.dumps({"ids": list(ids), "strings": list(strings), "rows": rows},
                                            ensure_ascii=False))
    arrays = KeywordIndex([c.embed_text for c in chunks]).arrays
    (folder / KEYWORDS).write_text(json.dumps({"n": arrays.n, "terms": arrays.terms, "words": arrays.words},
                                              ensure_ascii=False))
    for name in ARRAYS:
        np.save(folder / f"keywords-{name}.npy", getattr(arrays, name))


def read_chunks(folder: Path) -> tuple[list[str], list[Chunk]]:
    """Ids and chunks of a version; repeated strings (passages, titles) share one copy."""
    data = _json(folder / CHUNKS)
    try:
        s: list[str] = data["strings"]
        # Positional, in Chunk's field order: rows hold _TEXT indices, then _NUMBER values.
        chunks = [Chunk(s[r[0]], s[r[1]], s[r[2]], r[7], r[8], s[r[3]], s[r[4]], s[r[5]],
                        r[9], r[10], s[r[6]], r[11]) for r in data["rows"]]
        ids = [str(i) for i in data["ids"]]
    except (KeyError, IndexError, TypeError, ValueError) as e:
        raise damaged(str(folder), e) from e
    if len(ids) != len(chunks):
        raise damaged(str(folder), ValueError("ids and chunks differ in number"))
    return ids, chunks


def read_keywords(folder: Path) -> KeywordIndex:
    """The version's BM25 index, its postings memory-mapped."""
    data = _json(folder / KEYWORDS)
    try:
        arrays = {name: np.load(folder / f"keywords-{name}.npy", mmap_mode="r") for name in ARRAYS}
        stored = KeywordArrays(int(data["n"]), list(data["terms"]), words=list(data["words"]), **arrays)
    except (OSError, KeyError, TypeError, ValueError) as e:
        raise damaged(str(folder), e) from e
    if len(stored.offsets) != len(stored.terms) + 1 or len(stored.ids) != len(stored.weights):
        raise damaged(str(folder), ValueError("keyword arrays differ in length"))
    return KeywordIndex.from_arrays(stored)


def _json(path: Path) -> Any:
    """A sidecar file's JSON; a missing or unreadable one means a damaged version."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise damaged(str(path.parent), e) from e


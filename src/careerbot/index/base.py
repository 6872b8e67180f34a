"""What every index backend shares: the live index, typed writes, and reading records back.

An index version is a Chroma collection of chunks (text, metadata, vector). A version is
written through a :class:`ChromaBuild`, whose ``add``/``update``/``delete`` take typed
:class:`Record` objects and run inside the backend's guard, and read back in pages of
:data:`PAGE` records as :class:`IndexedChunks`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from careerbot.core.chunking import Chunk
from careerbot.core.keywords import KeywordIndex
from careerbot.errors import IndexBusy, IndexIncompatible

COLLECTION = "careerbot"
SCHEMA = 3  # 2: chunks and BM25 stored beside each version (index/sidecar.py); 3: streamed rows
MANIFEST = "manifest.json"
PAGE = 1000
DAMAGED = "the index is damaged"

Guard = Callable[[], AbstractContextManager[Any]]
"""A context manager factory wrapped around every call to the index (errors -> domain errors)."""


@dataclass
class IngestReport:
    """What an ingest changed, and how many chunks it had to embed."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0
    version: str = ""
    rebuilt_because: str = ""

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged ({self.embedded} embedded) -> index {self.version}"
        )


@dataclass
class IndexedChunks:
    """The live index: a Chroma collection and every chunk it holds, by id.

    ``guard`` wraps each query (the server backend turns a lost connection into
    :class:`~careerbot.errors.BackendUnavailable` there); ``closer`` releases what only
    this version holds (the embedded backend's client, with its open files). ``keywords``
    is the stored BM25 index when the version has one (None: retrieval builds it from the
    chunks).
    """

    collection: Any
    ids: list[str]
    chunks: list[Chunk]
    version: str
    client: Any = field(repr=False)
    guard: Guard = field(default=nullcontext, repr=False)
    keywords: KeywordIndex | None = field(default=None, repr=False)
    closer: Callable[[], None] = field(default=lambda: None, repr=False)
    positions: dict[str, int] = field(init=False, repr=False)
    closed: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        self.positions = {cid: i for i, cid in enumerate(self.ids)}

    def close(self) -> None:
        """Release the version's files and memory; the caller no longer searches it."""
        closer, self.closer, self.closed = self.closer, lambda: None, True
        closer()

    def dense(self, vector: Any, k: int) -> list[tuple[int, float]]:
        """(chunk position, cosine similarity) of the ``k`` nearest chunks."""
        k = min(k, len(self.ids))
        if k == 0:
            return []
        if self.closed:  # a retriever kept past an ingest; the bot's own reopen the new one
            raise IndexBusy("The index was updated since this retriever was made; ask again.")
        with self.guard():
            res = self.collection.query(query_embeddings=[vector], n_results=k, include=["distances"])
        pos = self.positions
        pairs = zip(res["ids"][0], res["distances"][0], strict=True)
        return [(pos[cid], 1.0 - d) for cid, d in pairs]


@dataclass(frozen=True)
class Record:
    """One chunk to store: its id, the chunk, and its vector (None for metadata updates)."""

    id: str
    chunk: Chunk
    vector: Sequence[float] | Any | None = None


class Follower(Protocol):
    """What a backend keeps beside a version it builds (the folder backend's side files)."""

    def add(self, records: Sequence[Record]) -> None:
        """New chunks, in the order they are stored."""

    def update(self, records: Sequence[Record]) -> None:
        """Chunks whose metadata changed."""

    def delete(self, ids: Sequence[str]) -> None:
        """Chunks that are gone."""


@dataclass
class ChromaBuild:
    """A version being written: typed writes to its collection, each inside ``guard``.

    ``tick`` keeps a writer's lease alive between batches (server mode). ``side``, when
    not None, is told of every write, for a backend that stores chunks beside the version.
    """

    version: str
    collection: Any = field(repr=False)
    guard: Guard = field(default=nullcontext, repr=False)
    tick: Callable[[], None] = field(default=lambda: None, repr=False)
    side: Follower | None = field(default=None, repr=False)

    def add(self, records: Sequence[Record]) -> None:
        """Store new chunks with their vectors."""
        if self.side is not None:
            self.side.add(records)
        with self.guard():
            self.collection.add(
                ids=[r.id for r in records],
                embeddings=np.asarray([r.vector for r in records], dtype=np.float32),
                documents=[r.chunk.text for r in records],
                metadatas=[r.chunk.metadata for r in records],
            )

    def update(self, records: Sequence[Record]) -> None:
        """Replace the metadata of stored chunks (their text and vector are unchanged)."""
        if self.side is not None:
            self.side.update(records)
        with self.guard():
            self.collection.update(
                ids=[r.id for r in records], metadatas=[r.chunk.metadata for r in records]
            )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id."""
        if self.side is not None:
            self.side.delete(ids)
        with self.guard():
            self.collection.delete(ids=list(ids))


class Backend(Protocol):
    """Where versions live: :class:`~careerbot.index.folder.FolderBackend` (embedded) or
    :class:`~careerbot.index.server.ServerBackend` (a Chroma server)."""

    location: str

    def current_version(self) -> str | None:
        """Name of the live version, or None."""

    def manifest(self, version: str) -> dict[str, Any] | None:
        """schema, model, chunker and lexicon of a complete version (None if missing or unreadable)."""

    def chunk_digests(self, version: str) -> dict[str, tuple[str, str]]:
        """(source, metadata digest) of every chunk of a version, by id (for ingests)."""

    def open(self, version: str) -> IndexedChunks:
        """Open a version for reading; raise IndexIncompatible when it is damaged."""

    def count(self, version: str) -> int:
        """Chunks a version holds, after one probe query; IndexIncompatible when damaged."""

    def writer(self) -> AbstractContextManager[None]:
        """Hold the single-writer guard; raise IndexBusy when another writer holds it."""

    def clean(self) -> None:
        """Drop unfinished builds left by crashed ingests (called by the writer)."""

    def build(self, base: str | None, header: dict[str, Any]) -> AbstractContextManager[ChromaBuild]:
        """A new, unpublished version: a copy of ``base``, or empty."""

    def publish(self, build: ChromaBuild, manifest: dict[str, Any], keep: Sequence[str | None]) -> None:
        """Make a finished build the live version; drop versions not live and not kept."""


def with_ids(chunks: Iterable[Chunk]) -> Iterator[tuple[str, Chunk]]:
    """Each chunk with its content-addressed id, as the chunks come; a repeated passage in
    one file gets an occurrence suffix. Occurrences are counted under a 16-byte key per
    distinct chunk, the one thing this keeps for a whole file."""
    seen: Counter[bytes] = Counter()
    for c in chunks:
        key = hashlib.sha256(f"{c.source}\0{c.content_hash}".encode()).digest()[:16]
        yield hashlib.sha256(f"{c.source}\0{c.content_hash}\0{seen[key]}".encode()).hexdigest()[:32], c
        seen[key] += 1


def digest(metadata: dict[str, Any]) -> str:
    """A short hash of a chunk's metadata: the manifest stores this, not the metadata."""
    text = json.dumps(metadata, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def chroma_settings() -> Any:
    """Chroma client settings: no telemetry, no reset."""
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def pages(
    collection: Any,
    include: list[str],
    guard: Guard = nullcontext,
) -> Iterator[dict[str, Any]]:
    """A collection's records, ``PAGE`` at a time.

    One unbounded ``get`` fails on a large collection (at 100,000 records: SQLite's
    variable limit) and holds every record twice in memory; pages keep both bounded.
    ``guard`` wraps each call (the server backend turns connection errors into domain
    errors there).
    """
    offset = 0
    while True:
        with guard():
            page = collection.get(limit=PAGE, offset=offset, include=include)
        if not page["ids"]:
            return
        yield page
        offset += len(page["ids"])


def read_chunks(records: Iterable[dict[str, Any]]) -> tuple[list[str], list[Chunk]]:
    """Ids and chunks from pages of Chroma ``get`` results (documents and metadatas).

    Each page becomes chunks before the next is read, and the sentences of one passage
    share one copy of its text, so memory grows with the corpus, not with the corpus
    times sentences per passage.
    """
    shared: dict[str, str] = {}
    ids: list[str] = []
    out: list[Chunk] = []
    for page in records:
        ids += page["ids"]
        for doc, meta in zip(page["documents"], page["metadatas"], strict=True):
            meta = dict(meta)
            for key in ("passage", "lead", "title", "section", "source"):
                if isinstance(meta.get(key), str):
                    meta[key] = shared.setdefault(meta[key], meta[key])
            out.append(Chunk.from_metadata(doc, meta))
    return ids, out


def damaged(where: str, e: BaseException) -> IndexIncompatible:
    """The one-line error for an index that cannot be read."""
    return IndexIncompatible(
        f"The index in {where} is damaged ({type(e).__name__}). Run `careerbot ingest --rebuild`."
    )


def probe(collection: Any, count: int) -> None:
    """Query the vectors once, so missing or truncated vector files show up at open."""
    if count == 0:
        return
    first = collection.get(limit=1, include=["embeddings"])
    collection.query(query_embeddings=[first["embeddings"][0]], n_results=1, include=["distances"])


def read_index(collection: Any, version: str, client: Any, guard: Guard = nullcontext) -> IndexedChunks:
    """Read a version's chunks page by page, then probe its vectors once."""
    ids, chunks = read_chunks(pages(collection, ["documents", "metadatas"], guard))
    with guard():
        probe(collection, len(ids))
    return IndexedChunks(collection, ids, chunks, version, client, guard=guard)

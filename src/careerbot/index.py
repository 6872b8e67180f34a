"""The Chroma index: versioned on disk, updated incrementally, swapped atomically.

Layout under ``<home>/index``::

    CURRENT          name of the live version, replaced atomically (os.replace)
    v000007/         a Chroma PersistentClient folder plus manifest.json
    v000008.partial  an ingest in progress; renamed when complete
    ingest.lock      held by the single writer

Readers only ever open the version CURRENT names, so a crash or Ctrl-C during an
ingest leaves the previous index answering. This is the only module that talks to Chroma.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from careerbot.config import Settings
from careerbot.corpus import CHUNKER_VERSION, Chunk, chunk_document, load_documents
from careerbot.embed import LocalEmbeddings
from careerbot.errors import IndexBusy, IndexIncompatible, IndexMissing

COLLECTION = "careerbot"
SCHEMA = 1
MANIFEST = "manifest.json"
ADD_BATCH = 512


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
    """The live index: a Chroma collection and every chunk it holds, by id."""

    collection: Any
    ids: list[str]
    chunks: list[Chunk]
    version: str
    client: Any = field(repr=False)

    def dense(self, vector: Any, k: int) -> list[tuple[int, float]]:
        """(chunk position, cosine similarity) of the ``k`` nearest chunks."""
        k = min(k, len(self.ids))
        if k == 0:
            return []
        res = self.collection.query(query_embeddings=[vector], n_results=k, include=["distances"])
        pos = {cid: i for i, cid in enumerate(self.ids)}
        return [(pos[cid], 1.0 - d) for cid, d in zip(res["ids"][0], res["distances"][0], strict=True)]


def chunk_ids(chunks: Sequence[Chunk]) -> list[str]:
    """Content-addressed ids; a repeated passage in one file gets an occurrence suffix."""
    seen: Counter[tuple[str, str]] = Counter()
    ids = []
    for c in chunks:
        key = (c.source, c.content_hash)
        ids.append(hashlib.sha256(f"{c.source}\0{c.content_hash}\0{seen[key]}".encode()).hexdigest()[:32])
        seen[key] += 1
    return ids


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class IndexStore:
    """Finds, opens and updates the versioned index under ``settings.home_dir``."""

    def __init__(self, settings: Settings, embeddings: LocalEmbeddings) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.root = settings.home_dir / "index"

    # -- reading -----------------------------------------------------------------------

    def current_version(self) -> str | None:
        """Name of the live version, or None when no index was ever built."""
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        return name if (self.root / name).is_dir() else None

    def manifest(self, version: str | None = None) -> dict[str, Any] | None:
        """The live version's manifest, or None if missing or unreadable."""
        version = version or self.current_version()
        if version is None:
            return None
        try:
            data = json.loads((self.root / version / MANIFEST).read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def problem(self) -> str | None:
        """Why the live index cannot be used as is (None when it can)."""
        manifest = self.manifest()
        if manifest is None:
            return "no index yet" if self.current_version() is None else "the index is damaged"
        expected = {"schema": SCHEMA, "model": self.embeddings.name, "chunker": CHUNKER_VERSION}
        for key, value in expected.items():
            if manifest.get(key) != value:
                return f"the index was built with {key} {manifest.get(key)!r}, this version uses {value!r}"
        return None

    def open(self) -> IndexedChunks:
        """Open the live version read-only; raise a domain error when that is impossible."""
        version = self.current_version()
        if version is None:
            raise IndexMissing(f"No index in {self.root}. Run `careerbot ingest` to build it.")
        problem = self.problem()
        if problem:
            raise IndexIncompatible(f"Cannot use the index: {problem}. Run `careerbot ingest --rebuild`.")
        import chromadb

        try:
            client = chromadb.PersistentClient(path=str(self.root / version), settings=_chroma_settings())
            collection = client.get_collection(COLLECTION)
            got = collection.get(include=["documents", "metadatas"])
        except Exception as e:  # Chroma raises many types for a damaged folder
            raise IndexIncompatible(
                f"The index in {self.root / version} is damaged ({type(e).__name__}). "
                "Run `careerbot ingest --rebuild`."
            ) from e
        chunks = [
            Chunk(
                str(m["source"]), str(m["title"]), str(m["section"]), int(m["start"]), int(m["end"]), doc
            )
            for doc, m in zip(got["documents"], got["metadatas"], strict=True)
        ]
        return IndexedChunks(collection, list(got["ids"]), chunks, version, client)

    # -- writing -----------------------------------------------------------------------

    @contextmanager
    def _writer(self) -> Iterator[None]:
        from filelock import FileLock, Timeout

        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / "ingest.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout as e:
            raise IndexBusy(
                "The index is being updated by another process. Try again when it finishes."
            ) from e
        try:
            yield
        finally:
            lock.release()

    def ingest(self, rebuild: bool = False, progress: bool = True) -> IngestReport:
        """Bring the index in line with the corpus, embedding only new chunks."""
        with self._writer():
            docs = load_documents(self.settings.corpus_dir)
            chunks = [c for d in docs for c in chunk_document(d, self.embeddings.count_tokens)]
            ids = chunk_ids(chunks)
            report = IngestReport()
            base = self.current_version()
            old: dict[str, Any] = {}
            problem = self.problem() if base else None
            if rebuild or problem:
                report.rebuilt_because = "--rebuild" if rebuild else str(problem)
                base = None
            elif base:
                old = (self.manifest(base) or {}).get("chunks", {})
            new = {cid: c.metadata for cid, c in zip(ids, chunks, strict=True)}
            added = [i for i, cid in enumerate(ids) if cid not in old]
            updated = [cid for cid in ids if cid in old and old[cid] != new[cid]]
            removed = [cid for cid in old if cid not in new]
            report.added, report.updated, report.removed = len(added), len(updated), len(removed)
            report.unchanged = len(ids) - len(added) - len(updated)
            if base and not (added or updated or removed):
                report.version = base
                return report
            report.version = self._write_version(base, chunks, ids, added, updated, removed, progress)
            report.embedded = len(added)
            return report

    def _write_version(
        self,
        base: str | None,
        chunks: list[Chunk],
        ids: list[str],
        added: list[int],
        updated: list[str],
        removed: list[str],
        progress: bool,
    ) -> str:
        import chromadb

        self._sweep()
        version = f"v{self._next_number():06d}"
        work = self.root / f"{version}.partial"
        if base:
            shutil.copytree(self.root / base, work)
            (work / MANIFEST).unlink(missing_ok=True)
        else:
            work.mkdir(parents=True)
        by_id = dict(zip(ids, chunks, strict=True))
        with chromadb.PersistentClient(path=str(work), settings=_chroma_settings()) as client:
            collection = client.get_or_create_collection(
                COLLECTION,
                metadata={"model": self.embeddings.name, "chunker": CHUNKER_VERSION},
                configuration={"hnsw": {"space": "cosine"}},
            )
            if removed:
                collection.delete(ids=removed)
            if updated:
                collection.update(ids=updated, metadatas=[by_id[cid].metadata for cid in updated])
            self._add(collection, [chunks[i] for i in added], [ids[i] for i in added], progress)
        manifest = {
            "schema": SCHEMA,
            "model": self.embeddings.name,
            "chunker": CHUNKER_VERSION,
            "chunks": {cid: c.metadata for cid, c in by_id.items()},
        }
        _write_atomic(work / MANIFEST, json.dumps(manifest))
        final = self.root / version
        work.rename(final)
        _write_atomic(self.root / "CURRENT", version)
        self._sweep(keep=(version, base))
        return version

    def _add(self, collection: Any, chunks: list[Chunk], ids: list[str], progress: bool) -> None:
        """Embed in batches and hand Chroma the vectors, so nothing is embedded twice."""
        from rich.progress import Progress

        with Progress(disable=not progress or not chunks, transient=True, console=_stderr()) as bar:
            task = bar.add_task("Embedding passages", total=len(chunks))
            for i in range(0, len(chunks), ADD_BATCH):
                batch = chunks[i : i + ADD_BATCH]
                vectors = self.embeddings.encode([c.embed_text for c in batch])
                collection.add(
                    ids=ids[i : i + ADD_BATCH],
                    embeddings=vectors,
                    documents=[c.text for c in batch],
                    metadatas=[c.metadata for c in batch],
                )
                bar.advance(task, len(batch))

    def _next_number(self) -> int:
        numbers = [int(p.name[1:7]) for p in self.root.glob("v[0-9]*") if p.name[1:7].isdigit()]
        return max(numbers, default=0) + 1

    def _sweep(self, keep: tuple[str | None, ...] = ()) -> None:
        """Delete unfinished builds and versions older than the previous one.

        The previous version is kept so a reader that opened it before the swap can finish.
        """
        live = {k for k in keep if k} | {self.current_version()}
        for path in self.root.glob("v[0-9]*"):
            if path.name.endswith(".partial") or (keep and path.name not in live):
                shutil.rmtree(path, ignore_errors=True)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _stderr() -> Any:
    from rich.console import Console

    return Console(file=sys.stderr)

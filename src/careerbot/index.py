"""The Chroma index: versioned, updated incrementally, swapped atomically.

Two backends sit behind one :class:`IndexStore`:

* embedded (default): a Chroma ``PersistentClient`` folder per version under
  ``<home>/index``::

      CURRENT          name of the live version, replaced atomically (os.replace)
      v000007/         a Chroma PersistentClient folder plus manifest.json (model,
                       chunker, file hashes, and per chunk id its source and a digest)
      v000008.partial  an ingest in progress; renamed when complete
      ingest.lock      held by the single writer

* server (``chroma_url`` set): a collection per version on a Chroma server, a pointer
  collection naming the live one, and a writer lease; see :mod:`careerbot.index_server`.

Readers only ever open the live version, so a crash or Ctrl-C during an ingest leaves
the previous index answering. Only this module and ``index_server`` talk to Chroma.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from careerbot.config import Settings
from careerbot.corpus import CHUNKER_VERSION, Chunk, chunk_document, load_documents
from careerbot.embed import LocalEmbeddings
from careerbot.errors import IndexBusy, IndexIncompatible, IndexMissing

COLLECTION = "careerbot"
SCHEMA = 1
MANIFEST = "manifest.json"
ADD_BATCH = 512
PAGE = 1000
DAMAGED = "the index is damaged"


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
    positions: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.positions = {cid: i for i, cid in enumerate(self.ids)}

    def dense(self, vector: Any, k: int) -> list[tuple[int, float]]:
        """(chunk position, cosine similarity) of the ``k`` nearest chunks."""
        k = min(k, len(self.ids))
        if k == 0:
            return []
        res = self._query(vector, k)
        pos = self.positions
        pairs = zip(res["ids"][0], res["distances"][0], strict=True)
        return [(pos[cid], 1.0 - d) for cid, d in pairs]

    def _query(self, vector: Any, k: int) -> Any:
        return self.collection.query(query_embeddings=[vector], n_results=k, include=["distances"])


@dataclass
class Build:
    """A version being written: its name, its writable collection, and a keep-alive."""

    version: str
    collection: Any
    tick: Callable[[], None] = lambda: None


class Backend(Protocol):
    """Where versions live. :class:`FolderBackend` here, ``ServerBackend`` for a server."""

    location: str

    def current_version(self) -> str | None:
        """Name of the live version, or None."""

    def manifest(self, version: str) -> dict[str, Any] | None:
        """schema, model and chunker of a complete version (None if missing or unreadable)."""

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

    def build(self, base: str | None, header: dict[str, Any]) -> AbstractContextManager[Build]:
        """A new, unpublished version: a copy of ``base``, or empty."""

    def publish(self, build: Build, manifest: dict[str, Any], keep: Sequence[str | None]) -> None:
        """Make a finished build the live version; drop versions not live and not kept."""


def chunk_ids(chunks: Sequence[Chunk]) -> list[str]:
    """Content-addressed ids; a repeated passage in one file gets an occurrence suffix."""
    seen: Counter[tuple[str, str]] = Counter()
    ids = []
    for c in chunks:
        key = (c.source, c.content_hash)
        ids.append(hashlib.sha256(f"{c.source}\0{c.content_hash}\0{seen[key]}".encode()).hexdigest()[:32])
        seen[key] += 1
    return ids


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
    guard: Callable[[], AbstractContextManager[Any]] = nullcontext,
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


class IndexStore:
    """Finds, opens and updates the versioned index (a folder, or a Chroma server).

    Args:
        settings: ``chroma_url`` selects the server backend; otherwise the index lives
            under ``settings.home_dir / "index"``.
        embeddings: The model that embeds passages; its name is recorded in the index.

    """

    def __init__(self, settings: Settings, embeddings: LocalEmbeddings) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.root = settings.home_dir / "index"
        self.backend: Backend
        if settings.chroma_url:
            from careerbot.index_server import ServerBackend

            self.backend = ServerBackend(settings.chroma_url)
        else:
            self.backend = FolderBackend(self.root)

    # -- reading -----------------------------------------------------------------------

    def current_version(self) -> str | None:
        """Name of the live version, or None when no index was ever built."""
        return self.backend.current_version()

    def manifest(self, version: str | None = None) -> dict[str, Any] | None:
        """The live version's manifest, or None if missing or unreadable."""
        version = version or self.current_version()
        return None if version is None else self.backend.manifest(version)

    def problem(self) -> str | None:
        """Why the live index must be (re)built before use (None when it can be used).

        Raises:
            IndexIncompatible: the index exists but is damaged; ``ingest --rebuild`` fixes it.

        """
        problem = self._problem()
        if problem == DAMAGED:
            raise IndexIncompatible(
                f"The index in {self.backend.location} is damaged (unreadable manifest). "
                "Run `careerbot ingest --rebuild`."
            )
        return problem

    def _problem(self) -> str | None:
        version = self.current_version()
        if version is None:
            return "no index yet"
        manifest = self.backend.manifest(version)
        if manifest is None:
            return DAMAGED
        expected = {"schema": SCHEMA, "model": self.embeddings.name, "chunker": CHUNKER_VERSION}
        for key, value in expected.items():
            if manifest.get(key) != value:
                return (
                    f"the index was built with {key} {manifest.get(key)!r}, "
                    f"this version uses {value!r}"
                )
        return None

    def open(self) -> IndexedChunks:
        """Open the live version read-only; raise a domain error when that is impossible."""
        version = self.current_version()
        if version is None:
            raise IndexMissing(
                f"No index in {self.backend.location}. Run `careerbot ingest` to build it."
            )
        problem = self.problem()
        if problem:
            raise IndexIncompatible(
                f"Cannot use the index: {problem}. Run `careerbot ingest --rebuild`."
            )
        return self.backend.open(version)

    # -- writing -----------------------------------------------------------------------

    def ingest(self, rebuild: bool = False, progress: bool = True) -> IngestReport:
        """Bring the index in line with the corpus, embedding only new chunks.

        A file whose text hash matches the live manifest is not even re-chunked: its
        chunks are taken from the manifest, so a no-op ingest of a large corpus is quick.
        """
        with self.backend.writer():
            self.backend.clean()
            docs = load_documents(self.settings.corpus_dir)
            files = {d.source: hashlib.sha256(d.text.encode()).hexdigest() for d in docs}
            report = IngestReport()
            base = self.current_version()
            old: dict[str, Any] = {}
            old_files: dict[str, str] = {}
            problem = self._problem() if base else None
            if base and not (rebuild or problem):
                try:
                    old = self.backend.chunk_digests(base)
                    old_files = dict((self.backend.manifest(base) or {}).get("files") or {})
                    if self.backend.count(base) != len(old):
                        problem = DAMAGED
                except IndexIncompatible:
                    problem = DAMAGED
            if rebuild or problem:
                report.rebuilt_because = "--rebuild" if rebuild else str(problem)
                base, old, old_files = None, {}, {}
            kept = {s for s, h in files.items() if old_files.get(s) == h}
            new = {cid: sd for cid, sd in old.items() if sd[0] in kept}
            fresh: dict[str, Chunk] = {}
            for doc in docs:
                if doc.source not in kept:
                    chunks = chunk_document(doc, self.embeddings.count_tokens)
                    fresh.update(zip(chunk_ids(chunks), chunks, strict=True))
            new.update((cid, (c.source, digest(c.metadata))) for cid, c in fresh.items())
            added = [cid for cid in fresh if cid not in old]
            updated = [cid for cid in fresh if cid in old and old[cid] != new[cid]]
            removed = [cid for cid in old if cid not in new]
            report.added, report.updated, report.removed = len(added), len(updated), len(removed)
            report.unchanged = len(new) - len(added) - len(updated)
            if base and not (added or updated or removed):
                report.version = base
                return report
            manifest = {"schema": SCHEMA, "model": self.embeddings.name,
                        "chunker": CHUNKER_VERSION, "files": files,
                        "chunks": {cid: list(sd) for cid, sd in new.items()}}
            report.version = self._write_version(base, manifest, fresh, added, updated, removed,
                                                 progress)
            report.embedded = len(added)
            return report

    def _write_version(
        self,
        base: str | None,
        manifest: dict[str, Any],
        fresh: dict[str, Chunk],
        added: list[str],
        updated: list[str],
        removed: list[str],
        progress: bool,
    ) -> str:
        header = {k: manifest[k] for k in ("schema", "model", "chunker")}
        previous = self.current_version()
        with self.backend.build(base, header) as build:
            collection = build.collection
            if removed:
                collection.delete(ids=removed)
            if updated:
                collection.update(ids=updated, metadatas=[fresh[c].metadata for c in updated])
            # Similar lengths in one batch: less padding, about 8% faster at scale.
            added = sorted(added, key=lambda cid: len(fresh[cid].embed_text))
            self._add(build, [fresh[c] for c in added], added, progress)
        # Keep the version readers may still have open, even across a --rebuild.
        self.backend.publish(build, manifest, keep=(base, previous))
        return build.version

    def _add(self, build: Build, chunks: list[Chunk], ids: list[str], progress: bool) -> None:
        """Embed in batches and hand Chroma the vectors, so nothing is embedded twice.

        Chroma stores one batch on a worker thread while the model embeds the next, so
        an ingest runs at close to the model's own speed.
        """
        from concurrent.futures import Future, ThreadPoolExecutor

        from rich.progress import Progress

        bar = Progress(disable=not progress or not chunks, transient=True, console=_stderr())
        with bar, ThreadPoolExecutor(1, thread_name_prefix="careerbot-add") as pool:
            task = bar.add_task("Embedding passages", total=len(chunks))
            pending: Future[Any] | None = None
            for i in range(0, len(chunks), ADD_BATCH):
                batch = chunks[i : i + ADD_BATCH]
                vectors = self.embeddings.encode([c.embed_text for c in batch])
                if pending is not None:
                    pending.result()
                    build.tick()
                pending = pool.submit(
                    build.collection.add,
                    ids=ids[i : i + ADD_BATCH],
                    embeddings=vectors,
                    documents=[c.text for c in batch],
                    metadatas=[c.metadata for c in batch],
                )
                bar.advance(task, len(batch))
            if pending is not None:
                pending.result()


class FolderBackend:
    """Versions as Chroma ``PersistentClient`` folders, a CURRENT file, a file lock."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)
        self._manifests: dict[str, dict[str, Any]] = {}

    def current_version(self) -> str | None:
        """Name of the live version, or None when no index was ever built."""
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        return name if name and (self.root / name).is_dir() else None

    def _full_manifest(self, version: str) -> dict[str, Any] | None:
        # A published manifest never changes, so it is parsed once (it is large at scale).
        path = self.root / version / MANIFEST
        try:
            stat = path.stat()
            key = f"{version}:{stat.st_mtime_ns}:{stat.st_size}"
            if key not in self._manifests:
                data = json.loads(path.read_text())
                if not isinstance(data, dict) or not isinstance(data.get("chunks"), dict):
                    return None
                self._manifests = {key: data}
        except (OSError, ValueError):
            return None
        return self._manifests[key]

    def manifest(self, version: str) -> dict[str, Any] | None:
        """The version's manifest.json (with its ``chunks``), or None if unreadable."""
        return self._full_manifest(version)

    def chunk_digests(self, version: str) -> dict[str, tuple[str, str]]:
        """(source, metadata digest) by chunk id, from the manifest."""
        manifest = self._full_manifest(version)
        if manifest is None:
            raise IndexIncompatible(f"The index in {self.root / version} has no readable manifest.")
        out: dict[str, tuple[str, str]] = {}
        for cid, value in manifest["chunks"].items():
            if isinstance(value, dict):  # manifests before digests held the metadata itself
                value = (str(value.get("source")), digest(value))
            out[cid] = (str(value[0]), str(value[1]))
        return out

    def open(self, version: str) -> IndexedChunks:
        """Open a version and check its vectors answer a query."""
        import chromadb

        path = self.root / version
        if not (path / "chroma.sqlite3").is_file():
            raise damaged(str(path), FileNotFoundError("chroma.sqlite3"))
        try:
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings())
            collection = client.get_collection(COLLECTION)
            ids, chunks = read_chunks(pages(collection, ["documents", "metadatas"]))
            probe(collection, len(ids))
        except Exception as e:  # Chroma raises many types for a damaged folder
            raise damaged(str(path), e) from e
        return IndexedChunks(collection, ids, chunks, version, client)

    def count(self, version: str) -> int:
        """Chunks in a version's collection, after one probe query."""
        path = self.root / version
        if not (path / "chroma.sqlite3").is_file():
            raise damaged(str(path), FileNotFoundError("chroma.sqlite3"))
        try:
            with _persistent(path) as client:
                collection = client.get_collection(COLLECTION)
                n = int(collection.count())
                probe(collection, n)
                return n
        except Exception as e:  # Chroma raises many types for a damaged folder
            raise damaged(str(path), e) from e

    @contextmanager
    def writer(self) -> Iterator[None]:
        """A file lock: one writer per index folder on this machine (or shared filesystem)."""
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

    @contextmanager
    def build(self, base: str | None, header: dict[str, Any]) -> Iterator[Build]:
        """Copy ``base`` (or start empty) into ``vNNNNNN.partial`` and open it for writing."""
        version = f"v{self._next_number():06d}"
        work = self.root / f"{version}.partial"
        if base:
            shutil.copytree(self.root / base, work)
            (work / MANIFEST).unlink(missing_ok=True)
        else:
            work.mkdir(parents=True)
        with _persistent(work) as client:
            collection = client.get_or_create_collection(
                COLLECTION,
                metadata={"model": header["model"], "chunker": header["chunker"]},
                configuration={"hnsw": {"space": "cosine"}},
            )
            yield Build(version, collection)

    def publish(self, build: Build, manifest: dict[str, Any], keep: Sequence[str | None]) -> None:
        """Write the manifest, rename the folder, then swap CURRENT (each step atomic)."""
        work = self.root / f"{build.version}.partial"
        _write_atomic(work / MANIFEST, json.dumps(manifest))
        work.rename(self.root / build.version)
        _write_atomic(self.root / "CURRENT", build.version)
        self._sweep(keep=(build.version, *keep))

    def clean(self) -> None:
        """Delete ``*.partial`` folders of crashed ingests."""
        self._sweep()

    def _next_number(self) -> int:
        numbers = [int(p.name[1:7]) for p in self.root.glob("v[0-9]*") if p.name[1:7].isdigit()]
        return max(numbers, default=0) + 1

    def _sweep(self, keep: tuple[str | None, ...] = ()) -> None:
        """Delete unfinished builds and versions neither live nor kept.

        The previous version is kept so a reader that opened it before the swap can finish.
        """
        live = {k for k in keep if k} | {self.current_version()}
        for path in self.root.glob("v[0-9]*"):
            if path.name.endswith(".partial") or (keep and path.name not in live):
                shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _persistent(path: Path) -> Iterator[Any]:
    """A PersistentClient, closed after use (Chroma shares one system per path, ref-counted)."""
    import chromadb

    client: Any = chromadb.PersistentClient(path=str(path), settings=chroma_settings())
    try:
        yield client
    finally:
        client.close()


def probe(collection: Any, count: int) -> None:
    """Query the vectors once, so missing or truncated vector files show up at open."""
    if count == 0:
        return
    first = collection.get(limit=1, include=["embeddings"])
    collection.query(query_embeddings=[first["embeddings"][0]], n_results=1, include=["distances"])


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

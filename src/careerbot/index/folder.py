"""The embedded index: one Chroma ``PersistentClient`` folder per version under ``<home>/index``::

CURRENT          name of the live version, replaced atomically (os.replace)
v000007/         a Chroma PersistentClient folder plus manifest.json (model,
chunker, file hashes, and per chunk id its source and a digest), and the chunks
and BM25 data that opening it reads (see :mod:`careerbot.index.sidecar`)
v000008.partial  an ingest in progress; renamed when complete
ingest.lock      held by the single writer
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from careerbot.errors import CareerBotError, IndexBusy, IndexIncompatible
from careerbot.index import sidecar
from careerbot.index.base import (
    COLLECTION,
    MANIFEST,
    ChromaBuild,
    IndexedChunks,
    chroma_settings,
    damaged,
    digest,
    probe,
)


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
        """Open a version: chunks and BM25 from its side files, then check the vectors answer."""
        import chromadb

        path = self.root / version
        if not (path / "chroma.sqlite3").is_file():
            raise damaged(str(path), FileNotFoundError("chroma.sqlite3"))
        ids, chunks = sidecar.read_chunks(path)
        keywords = sidecar.read_keywords(path)
        client: Any = None
        try:
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings())
            collection = client.get_collection(COLLECTION)
            count = collection.count()
            probe(collection, count)
        except Exception as e:  # Chroma raises many types for a damaged folder
            if client is not None:
                client.close()
            raise e if isinstance(e, CareerBotError) else damaged(str(path), e) from e
        if count != len(ids):
            client.close()
            raise damaged(str(path), ValueError(f"{count} vectors for {len(ids)} chunks"))
        return IndexedChunks(collection, ids, chunks, version, client, guard=partial(_guard, str(path)),
                             keywords=keywords, closer=client.close)

    def count(self, version: str) -> int:
        """Chunks in a version's collection, after one probe query and a read of its side files."""
        path = self.root / version
        if not (path / "chroma.sqlite3").is_file():
            raise damaged(str(path), FileNotFoundError("chroma.sqlite3"))
        try:
            with _persistent(path) as client:
                collection = client.get_collection(COLLECTION)
                n = int(collection.count())
                probe(collection, n)
        except Exception as e:  # Chroma raises many types for a damaged folder
            raise damaged(str(path), e) from e
        ids, _ = sidecar.read_chunks(path)
        if sidecar.read_keywords(path).n != n or len(ids) != n:
            raise damaged(str(path), ValueError(f"side files disagree with the {n} vectors"))
        return n

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
    def build(self, base: str | None, header: dict[str, Any]) -> Iterator[ChromaBuild]:
        """Copy ``base`` (or start empty) into ``vNNNNNN.partial`` and open it for writing;
        its side files follow the writes and are finished when they are done."""
        version = f"v{self._next_number():06d}"
        work = self.root / f"{version}.partial"
        if base:
            shutil.copytree(self.root / base, work)
            (work / MANIFEST).unlink(missing_ok=True)
        else:
            work.mkdir(parents=True)
        side = sidecar.Builder(work, self.root / base if base else None)
        try:
            with _persistent(work) as client:
                collection = client.get_or_create_collection(
                    COLLECTION,
                    metadata={"model": header["model"], "chunker": header["chunker"]},
                    configuration={"hnsw": {"space": "cosine"}},
                )
                yield ChromaBuild(version, collection, side=side)
                stored = collection.count()
        finally:
            side.close()
        if side.finish() != stored:
            problem = ValueError(f"side files disagree with the {stored} vectors")
            raise damaged(str(self.root / (base or version)), problem)

    def publish(self, build: ChromaBuild, manifest: dict[str, Any], keep: Sequence[str | None]) -> None:
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
def _guard(where: str) -> Iterator[None]:
    """Around each search of an open version: files damaged since it was opened give the
    same one-line advice as at open, not an unexplained failure."""
    try:
        yield
    except CareerBotError:
        raise
    except Exception as e:  # Chroma raises many types for a damaged folder
        raise damaged(where, e) from e


@contextmanager
def _persistent(path: Path) -> Iterator[Any]:
    """A PersistentClient, closed after use (Chroma shares one system per path, ref-counted)."""
    import chromadb

    client: Any = chromadb.PersistentClient(path=str(path), settings=chroma_settings())
    try:
        yield client
    finally:
        client.close()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)

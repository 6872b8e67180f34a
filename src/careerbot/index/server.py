"""The index on a Chroma server (``chroma run``), shared by many careerbot processes.

Layout in the server's default tenant and database::

    careerbot-meta      pointer collection: metadata ``live`` names the live version;
                        one record, ``writer-lease``, is the single-writer lease
    careerbot-v000007   one collection per version; its metadata is the manifest
                        (schema, model, chunker, file hashes as JSON) and ``complete``
                        once published; chunk metadata lives on the records

An ingest writes a new collection (a copy of the live one plus the changes), marks it
complete, then repoints ``live``: one metadata update, atomic on the server. Readers
read ``live`` on each question, so they switch at the next question after the swap.

The writer guard is a lease record with an owner, host, pid and expiry, renewed while
an ingest runs. Chroma has no compare-and-swap, so a writer writes its lease, waits a
moment, and reads it back; it proceeds only if the lease is still its own. A lease whose
expiry has passed, or whose process on this host is gone, may be taken over. This works
across machines when their clocks agree to within a few seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from careerbot.errors import BackendUnavailable, CareerBotError, ConfigError
from careerbot.index.base import (
    SCHEMA,
    ChromaBuild,
    IndexedChunks,
    chroma_settings,
    damaged,
    digest,
    pages,
    probe,
    read_index,
)
from careerbot.index.lease import Lease

PREFIX = "careerbot"
META = f"{PREFIX}-meta"


def parse_url(url: str) -> tuple[str, int, bool]:
    """(host, port, ssl) of ``http[s]://HOST[:PORT]``; Chroma's port 8000 by default."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    try:
        port = parts.port
    except ValueError as e:
        raise ConfigError(f"CAREERBOT_CHROMA_URL={url!r} has an invalid port.") from e
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(
            f"CAREERBOT_CHROMA_URL={url!r} is not a server URL; use http://HOST:PORT."
        )
    ssl = parts.scheme == "https"
    return parts.hostname, port or (443 if ssl else 8000), ssl


def _name(version: str) -> str:
    return f"{PREFIX}-{version}"


def _version(name: str) -> str | None:
    tail = name.removeprefix(f"{PREFIX}-")
    return tail if name.startswith(f"{PREFIX}-v") and tail[1:].isdigit() else None


class ServerBackend:
    """Versions as collections on a Chroma server, reached with ``chromadb.HttpClient``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.host, self.port, self.ssl = parse_url(url)
        self.location = f"the Chroma server at {url}"
        self._client: Any = None
        self._lease: Lease | None = None

    # -- connection --------------------------------------------------------------------

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Turn a lost connection into BackendUnavailable; the next call reconnects."""
        import httpx
        from chromadb.errors import InternalError

        try:
            yield
        except CareerBotError:
            raise
        except (httpx.HTTPError, OSError, InternalError) as e:
            raise self._unavailable(e) from e
        except ValueError as e:  # HttpClient's "Could not connect to a Chroma server"
            if "connect" not in str(e).lower():
                raise
            raise self._unavailable(e) from e

    def _unavailable(self, e: BaseException) -> BackendUnavailable:
        detail = str(e).split("?")[0].split(". ")[0].strip() or type(e).__name__
        return BackendUnavailable(
            f"Cannot reach the Chroma server at {self.url} ({detail}). Start it "
            "(`chroma run --path DIR --port PORT`) or fix CAREERBOT_CHROMA_URL / --chroma-url; "
            "careerbot reconnects on the next question."
        )

    @property
    def client(self) -> Any:
        """The HTTP client, created on first use (and again after a failed attempt)."""
        if self._client is None:
            import chromadb

            with self.guard():
                self._client = chromadb.HttpClient(
                    host=self.host, port=self.port, ssl=self.ssl, settings=chroma_settings()
                )
        return self._client

    def _collection(self, name: str) -> Any | None:
        from chromadb.errors import NotFoundError

        with self.guard():
            try:
                return self.client.get_collection(name)
            except NotFoundError:
                return None

    def _meta(self) -> Any:
        with self.guard():
            return self.client.get_or_create_collection(META, metadata={"schema": SCHEMA})

    def _versions(self) -> list[str]:
        with self.guard():
            names = [c if isinstance(c, str) else c.name for c in self.client.list_collections()]
        return sorted(v for v in map(_version, names) if v)

    # -- reading -----------------------------------------------------------------------

    def current_version(self) -> str | None:
        """The version ``careerbot-meta`` names (one request per call)."""
        meta = self._collection(META)
        live = (meta.metadata or {}).get("live") if meta is not None else None
        return str(live) if live else None

    def manifest(self, version: str) -> dict[str, Any] | None:
        """The version collection's metadata, if it exists and was published."""
        collection = self._collection(_name(version))
        data = dict(collection.metadata or {}) if collection is not None else {}
        if data.get("complete") is not True:
            return None
        try:
            data["files"] = json.loads(str(data.get("files") or "{}"))
        except ValueError:
            data["files"] = {}
        return data

    def chunk_digests(self, version: str) -> dict[str, tuple[str, str]]:
        """(source, metadata digest) by chunk id, read from the version's collection."""
        collection = self._require(version)
        out: dict[str, tuple[str, str]] = {}
        for page in self._pages(collection, ["metadatas"]):
            for cid, meta in zip(page["ids"], page["metadatas"], strict=True):
                out[cid] = (str(meta.get("source")), digest(dict(meta)))
        return out

    def open(self, version: str) -> IndexedChunks:
        """Load a version's chunks and check its vectors answer a query."""
        collection = self._require(version)
        try:
            return read_index(collection, version, self.client, self.guard)
        except CareerBotError:
            raise
        except Exception as e:
            raise damaged(f"{self.location} ({_name(version)})", e) from e

    def count(self, version: str) -> int:
        """Chunks in a version's collection, after one probe query."""
        collection = self._require(version)
        with self.guard():
            n = int(collection.count())
            probe(collection, n)
        return n

    def _require(self, version: str) -> Any:
        collection = self._collection(_name(version))
        if collection is None:
            missing = LookupError(f"collection {_name(version)} is missing")
            raise damaged(self.location, missing)
        return collection

    def _pages(self, collection: Any, include: list[str]) -> Iterator[dict[str, Any]]:
        return pages(collection, include, self.guard)

    # -- writing -----------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[None]:
        """Hold the writer lease for the duration of an ingest."""
        lease = Lease(self._meta(), self.url, self.guard)
        lease.acquire()
        self._lease = lease
        try:
            yield
        finally:
            self._lease = None
            lease.release()

    def clean(self) -> None:
        """Drop unfinished version collections of crashed ingests."""
        live = self.current_version()
        for old in self._versions():
            if old != live and self.manifest(old) is None:
                self._drop(old)

    @contextmanager
    def build(self, base: str | None, header: dict[str, Any]) -> Iterator[ChromaBuild]:
        """A new collection, unpublished (``complete`` False), filled with a copy of ``base``."""
        version = f"v{max((int(v[1:]) for v in self._versions()), default=0) + 1:06d}"
        tick = self._lease.renew if self._lease else (lambda: None)
        with self.guard():
            collection = self.client.create_collection(
                _name(version),
                metadata={**header, "complete": False},
                configuration={"hnsw": {"space": "cosine"}},
            )
        if base:
            source = self._require(base)
            for page in self._pages(source, ["embeddings", "documents", "metadatas"]):
                with self.guard():
                    collection.add(
                        ids=page["ids"],
                        embeddings=page["embeddings"],
                        documents=page["documents"],
                        metadatas=page["metadatas"],
                    )
                tick()
        yield ChromaBuild(version, collection, self.guard, tick)

    def publish(self, build: ChromaBuild, manifest: dict[str, Any], keep: Sequence[str | None]) -> None:
        """Mark the build complete, repoint ``live``, drop versions neither live nor kept."""
        header = {k: v for k, v in manifest.items() if k not in {"chunks", "files"}}
        header["files"] = json.dumps(manifest.get("files") or {})
        if self._lease:
            self._lease.renew(force=True)
        with self.guard():
            self.client.get_collection(_name(build.version)).modify(
                metadata={**header, "complete": True}
            )
            self._meta().modify(metadata={"schema": SCHEMA, "live": build.version})
        for old in self._versions():
            if old not in {build.version, *keep}:
                self._drop(old)

    def _drop(self, version: str) -> None:
        from chromadb.errors import NotFoundError

        with self.guard():
            try:
                self.client.delete_collection(_name(version))
            except NotFoundError:
                pass

"""The index store: versioned, updated incrementally, swapped atomically.

Two backends sit behind one :class:`IndexStore`:

* embedded (default): a Chroma ``PersistentClient`` folder per version under
  ``<home>/index``; see :mod:`careerbot.index.folder`.

* server (``chroma_url`` set): a collection per version on a Chroma server, a pointer
  collection naming the live one, and a writer lease; see :mod:`careerbot.index.server`.

Readers only ever open the live version, so a crash or Ctrl-C during an ingest leaves
the previous index answering. Only the ``careerbot.index`` package talks to Chroma.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

from careerbot.config import Settings
from careerbot.core.chunking import CHUNKER_VERSION, Chunk, chunk_stream
from careerbot.core.lexicon import LEXICON
from careerbot.corpus import SourceFile, scan
from careerbot.errors import IndexIncompatible, IndexMissing
from careerbot.index.base import (
    DAMAGED,
    SCHEMA,
    Backend,
    ChromaBuild,
    IndexedChunks,
    IngestReport,
    digest,
    with_ids,
)
from careerbot.index.batches import Writer
from careerbot.index.folder import FolderBackend
from careerbot.index.server import ServerBackend
from careerbot.models.embeddings import LocalEmbeddings


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
        expected = {"schema": SCHEMA, "model": self.embeddings.name, "chunker": CHUNKER_VERSION,
                    "lexicon": LEXICON}
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
        Other files are read, chunked and embedded as they stream (see
        :mod:`careerbot.index.batches`): memory holds a batch of chunks, not a file.
        """
        with self.backend.writer():
            self.backend.clean()
            sources = scan(self.settings.corpus_dir)
            files = {f.source: f.digest for f in sources}
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
            manifest = {"schema": SCHEMA, "model": self.embeddings.name,
                        "chunker": CHUNKER_VERSION, "lexicon": LEXICON, "files": files, "chunks": new}
            version = self._write_version(base, manifest, [f for f in sources if f.source not in kept],
                                          old, report, progress)
            report.unchanged = len(new) - report.added - report.updated
            report.version = version or str(base)
            return report

    def _write_version(
        self,
        base: str | None,
        manifest: dict[str, Any],
        changed: list[SourceFile],
        old: dict[str, Any],
        report: IngestReport,
        progress: bool,
    ) -> str | None:
        """Stream the changed files' chunks into a new version and publish it; None when
        nothing changed (no version is written then).

        ``manifest["chunks"]`` gains each chunk as it comes; chunks of ``old`` it never
        meets are deleted at the end.
        """
        from rich.progress import Progress

        header = {k: manifest[k] for k in ("schema", "model", "chunker", "lexicon")}
        previous = self.current_version()
        new: dict[str, Any] = manifest["chunks"]
        total = sum(f.length for f in changed)
        with ExitStack() as stack:
            builds: list[ChromaBuild] = []

            def build() -> ChromaBuild:
                if not builds:
                    builds.append(stack.enter_context(self.backend.build(base, header)))
                return builds[0]

            bar = stack.enter_context(Progress(disable=not progress or not total, transient=True,
                                               console=_stderr()))
            task = bar.add_task("Embedding passages", total=total)

            def advance(position: int, embedded: int) -> None:
                bar.update(task, completed=position, description=f"Embedding passages ({embedded:,})")

            writer = Writer(self.embeddings, build, advance)
            stack.callback(writer.abandon)
            for cid, chunk, position in _stream(changed, self.embeddings.count_tokens):
                sd = new[cid] = (chunk.source, digest(chunk.metadata))
                if cid not in old:
                    report.added += 1
                    writer.add(cid, chunk, position)
                elif old[cid] != sd:
                    report.updated += 1
                    writer.update(cid, chunk)
            removed = [cid for cid in old if cid not in new]
            report.removed = len(removed)
            if removed:
                writer.delete(removed)
            if base is None:
                build()  # a first build is written even when the corpus gives no chunk
            writer.finish()
            report.embedded = writer.embedded
            if not builds:
                return None
        # Keep the version readers may still have open, even across a --rebuild.
        self.backend.publish(builds[0], manifest, keep=(base, previous))
        return builds[0].version


def _stream(files: list[SourceFile], count_tokens: Callable[[str], int]) -> Iterator[tuple[str, Chunk, int]]:
    """Each chunk of the files, with its id and how far (in characters) the files have been read."""
    done = 0
    for f in files:
        chunks = chunk_stream(f.source, f.path.stem, f.pieces(), count_tokens)
        for cid, chunk in with_ids(chunks):
            yield cid, chunk, done + chunk.end
        done += f.length


def _stderr() -> Any:
    from rich.console import Console

    return Console(file=sys.stderr)

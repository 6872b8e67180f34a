"""Hybrid retrieval: Chroma (dense) and BM25 (keywords), fused by reciprocal rank.

Dense search finds paraphrases ("what do they make" -> the Pay passage); keyword search
pins exact names and figures ("offices of physicians", "2031"). Fusing ranks rather than
scores avoids calibrating two unrelated scales.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from pydantic import ConfigDict, Field

from careerbot.config import Settings
from careerbot.core.chunking import Chunk
from careerbot.core.keywords import KeywordIndex, fuse, query_terms
from careerbot.index.base import IndexedChunks
from careerbot.index.store import IndexStore
from careerbot.models.embeddings import LocalEmbeddings


class HybridRetriever(BaseRetriever):
    """A LangChain retriever over the live index: dense + BM25, fused.

    Each returned ``Document`` carries the chunk's metadata plus ``id``, ``score`` (fused),
    ``dense`` (cosine similarity) and ``position`` (index into ``index.chunks``).

    As a LangChain retriever (``invoke``, ``ainvoke``) it returns the best ``k`` documents,
    ``invoke(query, k=3)`` overriding it per call. :class:`~careerbot.CareerBot` calls
    :meth:`search` instead, which returns the whole fused list its answerer reads.

    Example:
        ``HybridRetriever.from_settings(k=3, home="/data/cb").invoke("median pay")``
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: IndexedChunks
    keywords: KeywordIndex
    embeddings: LocalEmbeddings
    top_k: int = Field(default=5, ge=1)
    """Depth of each of the dense and the keyword search."""
    k: int = Field(default=4, ge=1)
    """Documents ``invoke`` returns (LangChain's name for it)."""

    sections: dict[tuple[str, str], list[int]]

    @classmethod
    def from_settings(cls, settings: Settings | None = None, k: int = 4, **overrides: Any) -> HybridRetriever:
        """Open the built index from plain parameters, e.g. ``from_settings(k=3, home="...")``.

        Args:
            settings: Resolved settings; by default resolved from the environment and ``overrides``.
            k: Documents ``invoke`` returns.
            **overrides: Any :class:`~careerbot.config.Settings` field (``home``, ``top_k``, ...).

        Raises:
            IndexMissing, IndexIncompatible: no usable index; ``careerbot ingest`` builds one.
        """
        settings = settings.replace(**overrides) if settings else Settings.resolve(**overrides)
        embeddings = LocalEmbeddings(settings.model_dir, settings.home_dir / "models")
        index = IndexStore(settings, embeddings).open()
        return cls.build(index, embeddings, settings.top_k, k=k)

    @classmethod
    def build(
        cls, index: IndexedChunks, embeddings: LocalEmbeddings, top_k: int, k: int = 4
    ) -> HybridRetriever:
        """The keyword index over the same chunks Chroma holds: the stored one, else built."""
        keywords = index.keywords
        if keywords is None:
            keywords = KeywordIndex([c.embed_text for c in index.chunks])
        passages: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, c in enumerate(index.chunks):
            passages[(c.source, c.section)].append(i)
        for members in passages.values():
            members.sort(key=lambda i: index.chunks[i].start)
        return cls(
            index=index, keywords=keywords, embeddings=embeddings, top_k=top_k, k=k,
            sections=passages,
        )

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None,
        k: int | None = None,
    ) -> list[Document]:
        return self.search(query, k=self._count(k))

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun | None = None,
        k: int | None = None,
    ) -> list[Document]:
        # LangChain's default async path would drop ``k``; search in a worker thread instead.
        return await run_in_executor(None, self.search, query, None, self._count(k))

    def _count(self, k: int | None) -> int:
        k = self.k if k is None else k
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a whole number of at least 1, not {k!r}.")
        return k

    def search(self, query: str, vector: Any = None, k: int | None = None) -> list[Document]:
        """The union of the ``top_k`` dense and ``top_k`` keyword hits, by fused rank
        (``vector``: the query's embedding, when the caller has it already); with ``k``,
        the best ``k`` of them, each search going at least ``k`` deep."""
        vector = self.embeddings.encode_query(query) if vector is None else vector
        depth = max(self.top_k, k or 0)
        dense = self.index.dense(vector, depth)
        sparse = self.keywords.search(query_terms(query, self.keywords), depth)
        cosine = dict(dense)
        floor = min(cosine.values(), default=0.0)
        fused = fuse([[i for i, _ in dense], [i for i, _ in sparse]])
        best = sorted(fused, key=lambda i: -fused[i])[:k]
        return [self.document(i, fused[i], cosine.get(i, floor)) for i in best]

    def neighbours(self, doc: Document) -> list[Document]:
        """Every chunk of the section ``doc`` belongs to, in reading order."""
        key = (str(doc.metadata["source"]), str(doc.metadata["section"]))
        return [
            self.document(i, 0.0, None) if i != doc.metadata["position"] else doc
            for i in self.sections.get(key, [])
        ]

    def document(self, i: int, score: float, cosine: float | None) -> Document:
        """Chunk ``i`` as a LangChain Document with its id, scores and position."""
        chunk: Chunk = self.index.chunks[i]
        meta: dict[str, Any] = dict(chunk.metadata)
        meta.update(id=self.index.ids[i], position=i, score=score, dense=cosine)
        return Document(page_content=chunk.text, metadata=meta)


__all__ = ["HybridRetriever"]

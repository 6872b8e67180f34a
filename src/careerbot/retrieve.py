"""Hybrid retrieval: Chroma (dense) and BM25 (keywords), fused by reciprocal rank.

Dense search finds paraphrases ("what do they make" -> the Pay passage); keyword search
pins exact names and figures ("offices of physicians", "2031"). Fusing ranks rather than
scores avoids calibrating two unrelated scales.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from careerbot.core.chunking import Chunk
from careerbot.core.keywords import KeywordIndex, fuse, query_terms
from careerbot.index.base import IndexedChunks
from careerbot.models.embeddings import LocalEmbeddings


class HybridRetriever(BaseRetriever):
    """A LangChain retriever over the live index: dense + BM25, fused.

    Each returned ``Document`` carries the chunk's metadata plus ``id``, ``score`` (fused),
    ``dense`` (cosine similarity) and ``position`` (index into ``index.chunks``).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: IndexedChunks
    keywords: KeywordIndex
    embeddings: LocalEmbeddings
    top_k: int = 5

    sections: dict[tuple[str, str], list[int]]

    @classmethod
    def build(cls, index: IndexedChunks, embeddings: LocalEmbeddings, top_k: int) -> HybridRetriever:
        """Build the keyword index over the same chunks Chroma holds."""
        keywords = KeywordIndex([c.embed_text for c in index.chunks])
        passages: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, c in enumerate(index.chunks):
            passages[(c.source, c.section)].append(i)
        for members in passages.values():
            members.sort(key=lambda i: index.chunks[i].start)
        return cls(
            index=index, keywords=keywords, embeddings=embeddings, top_k=top_k, sections=passages
        )

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None
    ) -> list[Document]:
        return self.search(query)

    def search(self, query: str, vector: Any = None) -> list[Document]:
        """The union of the ``top_k`` dense and ``top_k`` keyword hits, by fused rank
        (``vector``: the query's embedding, when the caller has it already)."""
        vector = self.embeddings.encode_query(query) if vector is None else vector
        dense = self.index.dense(vector, self.top_k)
        sparse = self.keywords.search(query_terms(query, self.keywords), self.top_k)
        cosine = dict(dense)
        floor = min(cosine.values(), default=0.0)
        fused = fuse([[i for i, _ in dense], [i for i, _ in sparse]])
        best = sorted(fused, key=lambda i: -fused[i])
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

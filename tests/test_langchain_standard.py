"""LangChain's own standard suites (``langchain-tests``) against careerbot's seams.

The retriever is built from plain parameters over the session's real index; the
embeddings are the real bundled model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests

from careerbot import CareerBot
from careerbot.config import Settings
from careerbot.models.embeddings import LocalEmbeddings
from careerbot.retrieve import HybridRetriever


class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _home(self, built_home: Path) -> None:
        self.home = built_home

    @property
    def retriever_constructor(self) -> Any:
        return HybridRetriever.from_settings

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"home": self.home, "corpus": CORPUS}

    @property
    def retriever_query_example(self) -> str:
        return "median annual wage"


class TestLocalEmbeddingsStandard(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[LocalEmbeddings]:
        return LocalEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model_dir": Settings().model_dir}


def test_k_does_not_change_the_bots_retrieval_depth(bot: CareerBot) -> None:
    question = "What is the median annual wage?"
    deep = bot.retriever.search(question)
    assert len(deep) > bot.retriever.k  # the answerer reads the whole fused list, as before
    assert len(bot.retriever.invoke(question)) == bot.retriever.k == 4
    top = bot.retriever.invoke(question, k=2)
    assert [d.metadata["id"] for d in top] == [d.metadata["id"] for d in deep[:2]]


async def test_ainvoke_honours_k(bot: CareerBot) -> None:
    docs = await bot.retriever.ainvoke("job outlook growth", k=30)
    assert len(docs) == 30 and len({d.metadata["id"] for d in docs}) == 30


def test_bad_k_is_a_clear_error(bot: CareerBot) -> None:
    with pytest.raises(ValueError, match="k must be a whole number"):
        bot.retriever.invoke("pay", k=0)


def test_from_settings_without_an_index_says_what_to_do(tmp_path: Path) -> None:
    from careerbot.errors import IndexMissing

    with pytest.raises(IndexMissing, match="careerbot ingest"):
        HybridRetriever.from_settings(home=tmp_path / "empty", corpus=CORPUS)

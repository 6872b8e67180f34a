"""A BERT forward pass in plain torch, for embedding one question fast.

Importing transformers costs about 2.5 s on a 2-core machine, more than everything else in
a cold ``careerbot ask``. Questions need only this small encoder: it reads the same
``config.json`` and ``model.safetensors``, and the pooling, normalisation and window the
model's sentence-transformers files declare, and gives the same vector as
sentence-transformers (``tests/test_encoder.py`` checks it). A model it cannot reproduce
exactly raises :class:`Unsupported`, and :mod:`careerbot.models.embeddings` falls back to
sentence-transformers with a one-line notice.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F  # noqa: N812


class Unsupported(ValueError):
    """The model is not one this encoder reproduces exactly (the reason is the message)."""


@dataclass(frozen=True)
class Pipeline:
    """What sentence-transformers does after the transformer, read from the model's files."""

    pooling: str
    normalize: bool
    max_tokens: int

    @classmethod
    def read(cls, model_dir: Path) -> Pipeline:
        """Read ``modules.json``, the pooling config and ``sentence_bert_config.json``."""
        try:
            modules = json.loads((model_dir / "modules.json").read_text())
            kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
            pool_dir = next(m["path"] for m in modules if str(m.get("type", "")).endswith("Pooling"))
            pool = json.loads((model_dir / pool_dir / "config.json").read_text())
            window = json.loads((model_dir / "sentence_bert_config.json").read_text())
        except (OSError, ValueError, StopIteration, KeyError, TypeError) as e:
            raise Unsupported(f"no sentence-transformers pipeline files ({type(e).__name__})") from e
        modes = [k.removeprefix("pooling_mode_") for k, v in pool.items()
                 if k.startswith("pooling_mode_") and v]
        if modes not in (["mean_tokens"], ["cls_token"]) or kinds[:2] != ["Transformer", "Pooling"]:
            raise Unsupported(f"pooling {modes} after {kinds[:2]}")
        if set(kinds[2:]) - {"Normalize"}:
            raise Unsupported(f"modules {kinds[2:]} after pooling")
        return cls(modes[0], "Normalize" in kinds, int(window["max_seq_length"]))

    def pool(self, hidden: torch.Tensor) -> torch.Tensor:
        """One vector from the hidden states of one unpadded sequence."""
        vec = hidden.mean(dim=0) if self.pooling == "mean_tokens" else hidden[0]
        return vec / vec.norm() if self.normalize else vec


class BertEncoder:
    """Token ids -> last hidden states, for BERT-style models with absolute positions."""

    def __init__(self, model_dir: Path) -> None:
        cfg = json.loads((model_dir / "config.json").read_text())
        if (cfg.get("model_type") != "bert" or cfg.get("hidden_act") != "gelu"
                or cfg.get("position_embedding_type", "absolute") != "absolute"):
            raise Unsupported(f"{model_dir} is not a plain BERT model")
        from safetensors.torch import load_file

        weights = load_file(str(model_dir / "model.safetensors"))
        self.w = {k.removeprefix("bert."): v for k, v in weights.items()}
        self.layers = int(cfg["num_hidden_layers"])
        self.heads = int(cfg["num_attention_heads"])
        self.eps = float(cfg["layer_norm_eps"])

    def _ln(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.layer_norm(x, x.shape[-1:], self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps)

    def _dense(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.linear(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def __call__(self, ids: list[int], type_ids: list[int]) -> Any:
        """Hidden states (tokens x hidden) of one unpadded sequence."""
        w, n = self.w, len(ids)
        x = (w["embeddings.word_embeddings.weight"][torch.tensor(ids)]
             + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][torch.tensor(type_ids)])
        x = self._ln(x, "embeddings.LayerNorm")
        size = x.shape[-1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, v = (self._dense(x, p + f"attention.self.{m}").view(n, self.heads, size).transpose(0, 1)
                       for m in ("query", "key", "value"))
            att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(size), dim=-1) @ v
            att = att.transpose(0, 1).reshape(n, -1)
            x = self._ln(x + self._dense(att, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            h = F.gelu(self._dense(x, p + "intermediate.dense"))
            x = self._ln(x + self._dense(h, p + "output.dense"), p + "output.LayerNorm")
        return x

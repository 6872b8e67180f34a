"""The embedding model on ONNX Runtime: exported once from the local weights, then run without torch.

Importing torch costs about two seconds on a 2-core machine, more than everything else in a
cold ``careerbot ask``, and ONNX Runtime runs the same BERT faster on CPU. The model is
exported once (with torch, offline, from the bundled files) to a cache file keyed by a hash
of its weights; after that, questions and passages are embedded with ``onnxruntime`` and
``tokenizers`` only. Pooling, normalisation and the window are read from the model's own
sentence-transformers files (:class:`Pipeline`), so the vectors equal sentence-transformers'
(``tests/test_encoder.py``). A model this cannot reproduce exactly raises
:class:`Unsupported`, and :mod:`careerbot.models.embeddings` falls back to
sentence-transformers with a one-line notice.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


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

    def pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """One vector per sequence from a padded batch of hidden states (batch x tokens x dim)."""
        if self.pooling == "mean_tokens":
            weights = mask[..., None].astype(hidden.dtype)
            vecs = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        else:
            vecs = hidden[:, 0]
        if self.normalize:
            vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        return vecs.astype(np.float32, copy=False)


class OnnxEncoder:
    """Texts -> sentence vectors, with ``onnxruntime`` and ``tokenizers`` (no torch).

    Sessions are safe to share between threads (the chat page calls from workers).

    Raises:
        Unsupported: the ONNX file cannot be loaded (damaged, or not a model).

    """

    def __init__(self, model_dir: Path, onnx_file: Path, pipeline: Pipeline) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.pipeline = pipeline
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.pipeline.max_tokens)
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        # Kernels are not cached per shape and freed buffers go back to the system: a chat
        # process at 100,000 chunks stays under 1 GiB.
        options.enable_cpu_mem_arena = False
        try:
            self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime's load errors derive from Exception only
            raise Unsupported(f"cannot load {onnx_file.name} ({type(e).__name__})") from e

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed one batch (padded to its longest text) as a float32 matrix."""
        encodings = self.tokenizer.encode_batch(list(texts))
        width = max((len(e.ids) for e in encodings), default=0)
        feeds = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in INPUTS}
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            feeds["input_ids"][row, :n] = enc.ids
            feeds["attention_mask"][row, :n] = 1
            feeds["token_type_ids"][row, :n] = enc.type_ids
        (hidden,) = self.session.run(["last_hidden_state"], feeds)
        return self.pipeline.pool(hidden, feeds["attention_mask"])


def export(model_dir: Path, target: Path) -> None:
    """Export a BERT-style model's transformer to ONNX (torch's TorchScript exporter, offline).

    Written to a temporary name and renamed, so a crash or a second process never leaves a
    half-written model where the first one looks.

    Raises:
        Unsupported: the model is not a BERT-style encoder, or the export failed.

    """
    config = json.loads((model_dir / "config.json").read_text())
    if config.get("model_type") != "bert":
        raise Unsupported(f"{model_dir.name} is a {config.get('model_type')!r} model, not BERT")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager")

    class Hidden(torch.nn.Module):
        """The transformer's last hidden states, from positional inputs (what ONNX names)."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.model(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
            torch.onnx.export(
                Hidden().eval(), (sample, sample, torch.zeros_like(sample)), str(tmp),
                input_names=list(INPUTS), output_names=["last_hidden_state"],
                dynamic_axes=axes, opset_version=OPSET, dynamo=False,
            )
        os.replace(tmp, target)
    except Exception as e:  # torch raises many types for a model it cannot trace
        raise Unsupported(f"ONNX export failed ({type(e).__name__}: {e})") from e
    finally:
        tmp.unlink(missing_ok=True)

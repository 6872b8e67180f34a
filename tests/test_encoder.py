"""The question encoder gives the same vectors as sentence-transformers."""

from __future__ import annotations

import numpy as np

from careerbot.config import Settings
from careerbot.models.embeddings import LocalEmbeddings


def test_question_vectors_match_sentence_transformers() -> None:
    emb = LocalEmbeddings(Settings().model_dir)
    texts = ["How much do managers in hospitals earn?", "salary?", "word " * 400,
             "Où est la bibliothèque? 日本語 <img src=x>"]
    for text in texts:
        fast = emb.encode_query(text)
        reference = emb.encode([text])[0]
        assert np.abs(fast - reference).max() < 1e-5
        assert abs(float(np.linalg.norm(fast)) - 1.0) < 1e-5


def test_other_architectures_use_sentence_transformers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import shutil

    model = tmp_path / "model"
    shutil.copytree(Settings().model_dir, model)
    cfg = json.loads((model / "config.json").read_text())
    cfg["hidden_act"] = "gelu_new"  # not what the light encoder implements
    (model / "config.json").write_text(json.dumps(cfg))
    emb = LocalEmbeddings(model)
    assert emb._query_model is None
    assert emb.encode_query("salary?").shape == (384,)
